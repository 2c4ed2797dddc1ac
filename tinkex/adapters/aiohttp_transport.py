"""AiohttpTransport: the production `Transport`, one aiohttp `ClientSession` per instance.

The session (and its `TCPConnector`) is created lazily by the first `send`, so the transport can
be built outside a running loop; it is then bound to that loop. Bodies are read whole and
decompressed by `tinkex.adapters.content_encoding` (gzip, deflate and zstd): aiohttp's own
decoder does not know zstd without an extra package and would fail on such a response.

Credential headers (API key, Cloudflare Access, ``Authorization``...) go to one origin only:
the configured service's (`credential_origin`), or, without one, the origin of each request's
own URL. Redirects are followed here, hop by hop, rather than by aiohttp, which would forward
every custom header to wherever a ``Location`` points: the first hop that leaves the origin
and every hop after it go without credentials.

Every aiohttp / OS exception is translated in one place, `raise_translated` (also the context
manager `translate_errors`), into `APIConnectionError` or `APITimeoutError`, chained with
``raise ... from``.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
from aiohttp import hdrs
from aiohttp.payload import BytesPayload
from multidict import CIMultiDict

from tinkex.adapters.content_encoding import decode_body
from tinkex.adapters.credential_scope import (
    REDIRECT_STATUSES,
    CredentialScope,
    body_less,
    next_hop,
    origin_of,
    without_credentials,
)
from tinkex.errors import APIConnectionError, APITimeoutError, ClosedError, TinkexError
from tinkex.ports.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable
    from types import TracebackType

    from aiohttp.abc import AbstractStreamWriter
    from aiohttp.typedefs import LooseHeaders

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_TIMEOUT_S",
    "AiohttpTransport",
    "body_payload",
    "raise_translated",
    "translate_errors",
]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONNECT_TIMEOUT_S = 5.0
# Distinct per-request timeouts are few (one per endpoint); the bound only guards against a
# caller that computes a fresh float for every request.
_TIMEOUT_CACHE_SIZE = 64
# aiohttp warns (ResourceWarning) when handed raw bytes above 1 MiB; larger bodies go through
# `_SlicedBytesPayload` instead (see there).
_LARGE_BODY = 1 << 20
# A large body is handed to the socket this much at a time.
_BODY_SLICE = 256 * 1024
# Header values at least this long are scrubbed from error messages (shorter ones are words
# like "1" or "gzip" that would mangle the message and cannot be credentials).
_MIN_SCRUB_LEN = 6


class _TinkexClientRequest(aiohttp.ClientRequest):
    # Advertise zstd as well (we decode it ourselves) through aiohttp's class-level defaults,
    # which costs nothing per request, unlike adding a header to every call.
    DEFAULT_HEADERS = {  # noqa: RUF012  # aiohttp reads this class attribute; never mutated
        hdrs.ACCEPT: "*/*",
        hdrs.ACCEPT_ENCODING: "gzip, deflate, zstd",
    }

    def update_headers(self, headers: LooseHeaders | None) -> None:
        # aiohttp copies the session's prepared headers into the request one by one in
        # Python; a Tinker request carries about twenty, so they are copied in one C call
        # (same order, after the Host header aiohttp puts first). A Host header of the
        # caller's takes aiohttp's own path, which gives it its special place.
        if isinstance(headers, CIMultiDict) and hdrs.HOST not in headers:
            super().update_headers(None)
            self.headers.extend(headers)
            return
        super().update_headers(headers)


class translate_errors:  # noqa: N801  # used like a function: `with translate_errors(...)`
    """Context manager turning aiohttp / OS exceptions into the tinkex error tree.

    Tinkex errors and `BaseException`s such as `CancelledError` pass through untouched.
    Messages name the method and path only, and any header value of the request that
    happens to appear in a library message is scrubbed.

    Args:
        request: The request being performed.
        timeout_s: The effective timeout, quoted in `APITimeoutError` messages.
        owner: The transport performing it; when it was closed meanwhile, aiohttp's
            `RuntimeError` is reported as `ClosedError`.
    """

    __slots__ = ("_owner", "_request", "_timeout_s")

    def __init__(
        self, request: HttpRequest, timeout_s: float | None, owner: AiohttpTransport | None = None
    ) -> None:
        self._request = request
        self._timeout_s = timeout_s
        self._owner = owner

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            raise_translated(exc, self._request, self._timeout_s, self._owner)


def raise_translated(
    exc: BaseException,
    request: HttpRequest,
    timeout_s: float | None,
    owner: AiohttpTransport | None = None,
) -> None:
    """Raise the tinkex error `exc` stands for (chained to it), or return when it is none.

    What `translate_errors` does on exit, for code that catches the exception itself.
    """
    if isinstance(exc, TinkexError) or not isinstance(exc, Exception):
        return
    path = urlsplit(request.url).path or "/"
    where = f"{request.method} {path}"
    if isinstance(exc, TimeoutError):
        after = f" after {timeout_s:g}s" if timeout_s is not None else ""
        raise APITimeoutError(
            f"{where}: request timed out{after}", method=request.method, url_path=path
        ) from exc
    if isinstance(exc, RuntimeError) and owner is not None and owner.closed:
        raise ClosedError("transport is closed") from exc
    if isinstance(exc, (aiohttp.ClientError, OSError)):
        detail = _scrub(f"{type(exc).__name__}: {exc}", request)
    elif isinstance(exc, ValueError):
        # aiohttp rejects malformed URLs and header injection with bare ValueErrors whose
        # text may quote the offending value; keep only the type.
        detail = f"rejected by the HTTP client: {type(exc).__name__}"
    else:
        return
    raise APIConnectionError(
        f"{where}: connection error ({detail})", method=request.method, url_path=path
    ) from exc


class _SlicedBytesPayload(BytesPayload):
    """A large body written to the connection in slices of `_BODY_SLICE` bytes.

    aiohttp (on Python < 3.12.9) joins the request head with the whole body into one new
    bytes object before writing, and the event loop's socket transport copies whatever the
    kernel did not take at once into its own buffer: a 5 MB forward_backward chunk was copied
    twice more on its way out. Written in slices, only the first slice is joined with the
    head, and each later write waits for the transport to drain (aiohttp's writer does), so
    most slices go straight to the socket from views of the caller's bytes.
    """

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        view = memoryview(self._value)
        if content_length is not None:
            view = view[:content_length]
        for start in range(0, len(view), _BODY_SLICE):
            await writer.write(view[start : start + _BODY_SLICE])


def body_payload(body: bytes | None) -> bytes | BytesPayload | None:
    """Return what to hand aiohttp as ``data`` for a request body.

    aiohttp warns about raw bytes over 1 MiB and suggests a BytesIO, but a BytesIO payload
    copies the whole body again while sending (a 16 MiB forward_backward twice over). The
    bytes are already complete and immutable, so they are wrapped as they are (written in
    slices: `_SlicedBytesPayload`) and the advisory warning is silenced for that one
    construction.
    """
    if body is not None and len(body) > _LARGE_BODY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            return _SlicedBytesPayload(body)
    return body


def _redirect_error(request: HttpRequest, what: str) -> APIConnectionError:
    # The Location may be a signed URL: the message names the request only.
    path = urlsplit(request.url).path or "/"
    return APIConnectionError(
        f"{request.method} {path}: {what}", method=request.method, url_path=path
    )


def _scrub(text: str, request: HttpRequest) -> str:
    for _, value in request.headers:
        if len(value) >= _MIN_SCRUB_LEN and value in text:
            text = text.replace(value, "***")
    return text


class AiohttpTransport:
    """A `Transport` over one lazily created aiohttp session.

    Raises `APIConnectionError` / `APITimeoutError` only when no response arrived; 4xx/5xx are
    returned. Never retries. Cancelling a send closes that one connection and leaves the pool
    usable. Bound to the event loop of its first `send`.

    Args:
        limit: Maximum simultaneous connections.
        limit_per_host: Maximum connections to one host (default: `limit`).
        timeout_s: Total timeout of a request whose `timeout_s` is None.
        connect_timeout_s: Cap on establishing a connection (within the total timeout).
        follow_redirects: Follow 3xx responses (only the redirect pool does); a hop to
            another origin than the trusted one goes without credential headers.
        max_redirects: Redirect hops allowed when following.
        credential_origin: The configured service URL; credential headers are sent to its
            origin only. None: each request's own origin (redirects elsewhere still lose them).
        trust_env: Read proxy settings and netrc from the environment. Off by default
            because aiohttp then consults the environment (and netrc, in a thread) on every
            request.
        skip_auto_headers: Headers aiohttp must not add by itself. Empty by default:
            aiohttp never adds a header the request already carries, and a non-empty set
            costs a header copy per request.
    """

    def __init__(
        self,
        *,
        limit: int = 100,
        limit_per_host: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        follow_redirects: bool = False,
        max_redirects: int = 10,
        trust_env: bool = False,
        skip_auto_headers: Iterable[str] | None = None,
        credential_origin: str | None = None,
    ) -> None:
        self._scope = CredentialScope(credential_origin)
        self._limit = limit
        self._limit_per_host = limit if limit_per_host is None else limit_per_host
        self._connect_timeout_s = connect_timeout_s
        self._default_timeout_s = timeout_s
        self._default_timeout = aiohttp.ClientTimeout(total=timeout_s, connect=connect_timeout_s)
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._follow_redirects = follow_redirects
        self._max_redirects = max_redirects
        self._trust_env = trust_env
        self._skip_auto_headers = tuple(skip_auto_headers) if skip_auto_headers else None
        self._session: aiohttp.ClientSession | None = None
        self.closed = False

    @property
    def follow_redirects(self) -> bool:
        """Whether 3xx responses are followed."""
        return self._follow_redirects

    @property
    def limit(self) -> int:
        """The connection limit."""
        return self._limit

    def session(self) -> aiohttp.ClientSession:
        """Return the session, creating it on the running loop if needed.

        Shared with `AiohttpStreamingTransport` so both use one connection pool.

        Raises:
            ClosedError: The transport was closed.
        """
        if self.closed:
            raise ClosedError("transport is closed")
        session = self._session
        if session is None:
            connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit_per_host)
            session = self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._default_timeout,
                auto_decompress=False,
                trust_env=self._trust_env,
                skip_auto_headers=self._skip_auto_headers,
                request_class=_TinkexClientRequest,
            )
        return session

    def timeout_for(self, timeout_s: float | None) -> aiohttp.ClientTimeout:
        """Return the (cached) total timeout for a request's `timeout_s`."""
        if timeout_s is None:
            return self._default_timeout
        timeout = self._timeouts.get(timeout_s)
        if timeout is None:
            if len(self._timeouts) >= _TIMEOUT_CACHE_SIZE:
                self._timeouts.clear()
            timeout = aiohttp.ClientTimeout(
                total=timeout_s, connect=min(self._connect_timeout_s, timeout_s)
            )
            self._timeouts[timeout_s] = timeout
        return timeout

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Send the request and read the whole (decompressed) response.

        Raises:
            APIConnectionError: No complete response arrived (or a redirect went nowhere,
                or more than `max_redirects` times).
            APITimeoutError: The request's timeout elapsed first.
            ClosedError: The transport was closed.
        """
        session = self._session if self._session is not None else self.session()
        timeout_s = request.timeout_s
        timeout = self._timeouts.get(timeout_s) if timeout_s is not None else None
        if timeout is None:
            timeout = self.timeout_for(timeout_s)
        # The error translation is a plain `except` rather than a context manager object:
        # thousands of requests are in flight in a fan-out, each would hold one.
        try:
            if self._follow_redirects:
                async with self._following(session, request, timeout) as resp:
                    body = await resp.read()
                    status = resp.status
                    headers = {key.lower(): value for key, value in resp.headers.items()}
            else:
                body_bytes = request.body
                async with session.request(
                    request.method,
                    request.url,
                    headers=self._scope.headers_for(request.url, request.headers),
                    data=(
                        body_bytes
                        if body_bytes is None or len(body_bytes) <= _LARGE_BODY
                        else body_payload(body_bytes)
                    ),
                    timeout=timeout,
                    allow_redirects=False,
                ) as resp:
                    body = await resp.read()
                    status = resp.status
                    headers = {key.lower(): value for key, value in resp.headers.items()}
            encoding = headers.get("content-encoding")
            if encoding is not None:
                body = decode_body(body, encoding)
        except BaseException as exc:
            effective = self._default_timeout_s if timeout_s is None else timeout_s
            raise_translated(exc, request, effective, self)
            raise
        return HttpResponse(status=status, headers=headers, body=body)

    async def open_response(
        self, request: HttpRequest, client_timeout: aiohttp.ClientTimeout
    ) -> aiohttp.ClientResponse:
        """Send the request (following redirects if this transport does); body left unread.

        The caller releases or closes the response. aiohttp and OS exceptions are raised
        untranslated (wrap the call in `translate_errors`).

        Raises:
            APIConnectionError: A redirect went nowhere, or more than `max_redirects` times.
            ClosedError: The transport was closed.
        """
        session = self.session()
        if self._follow_redirects:
            return await self._open_following(session, request, client_timeout)
        return await session.request(
            request.method,
            request.url,
            headers=self._scope.headers_for(request.url, request.headers),
            data=body_payload(request.body),
            timeout=client_timeout,
            allow_redirects=False,
        )

    @contextlib.asynccontextmanager
    async def _following(
        self,
        session: aiohttp.ClientSession,
        request: HttpRequest,
        client_timeout: aiohttp.ClientTimeout,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        response = await self._open_following(session, request, client_timeout)
        try:
            yield response
        finally:
            response.release()

    async def _open_following(
        self,
        session: aiohttp.ClientSession,
        request: HttpRequest,
        client_timeout: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        # Each hop is a request of its own, so the chain shares one deadline, as aiohttp's
        # own following would.
        loop = asyncio.get_running_loop()
        timeout = client_timeout
        deadline = None if timeout.total is None else loop.time() + timeout.total
        trusted = self._scope.trusted_origin(request.url)
        method, url, body = request.method, request.url, request.body
        headers = self._scope.headers_for(url, request.headers)
        for hop in range(self._max_redirects + 1):
            if hop and deadline is not None:
                left = deadline - loop.time()
                if left <= 0:
                    raise TimeoutError
                timeout = aiohttp.ClientTimeout(total=left, connect=timeout.connect)
            response = await session.request(
                method,
                url,
                headers=headers,
                data=body_payload(body),
                timeout=timeout,
                allow_redirects=False,
            )
            location = response.headers.get(hdrs.LOCATION)
            if response.status not in REDIRECT_STATUSES or location is None:
                return response
            response.release()
            target = next_hop(url, method, response.status, location)
            if target is None:
                raise _redirect_error(request, "redirected to a location that is not http(s)")
            url, method = target.url, target.method
            if not target.keeps_body:
                body, headers = None, body_less(headers)
            if origin_of(url) != trusted:
                headers = without_credentials(headers)
        raise _redirect_error(request, f"more than {self._max_redirects} redirects")

    async def aclose(self) -> None:
        """Close the session and its connections; idempotent."""
        self.closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()
