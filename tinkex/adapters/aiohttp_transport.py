"""AiohttpTransport: the production `Transport`, one aiohttp `ClientSession` per instance.

The session (and its `TCPConnector`) is created lazily by the first `send`, so the transport can
be built outside a running loop; it is then bound to that loop. Bodies are read whole and
decompressed by `tinkex.adapters.content_encoding` (gzip, deflate and zstd): aiohttp's own
decoder does not know zstd without an extra package and would fail on such a response.

Every aiohttp / OS exception is translated in one place, `translate_errors`, into
`APIConnectionError` or `APITimeoutError`, chained with ``raise ... from``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
from aiohttp import hdrs
from aiohttp.payload import BytesPayload

from tinkex.adapters.content_encoding import decode_body
from tinkex.errors import APIConnectionError, APITimeoutError, ClosedError, TinkexError
from tinkex.ports.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_TIMEOUT_S",
    "AiohttpTransport",
    "body_payload",
    "translate_errors",
]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONNECT_TIMEOUT_S = 5.0
# Distinct per-request timeouts are few (one per endpoint); the bound only guards against a
# caller that computes a fresh float for every request.
_TIMEOUT_CACHE_SIZE = 64
# aiohttp warns (ResourceWarning) when handed raw bytes above 1 MiB; larger bodies go through
# a BytesIO, which aiohttp writes in chunks while yielding to the loop (and which shares the
# bytes buffer rather than copying it).
_LARGE_BODY = 1 << 20
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
        if exc is None or isinstance(exc, TinkexError) or not isinstance(exc, Exception):
            return
        request = self._request
        path = urlsplit(request.url).path or "/"
        where = f"{request.method} {path}"
        if isinstance(exc, TimeoutError):
            after = f" after {self._timeout_s:g}s" if self._timeout_s is not None else ""
            raise APITimeoutError(
                f"{where}: request timed out{after}", method=request.method, url_path=path
            ) from exc
        if isinstance(exc, RuntimeError) and self._owner is not None and self._owner.closed:
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


def body_payload(body: bytes | None) -> bytes | BytesPayload | None:
    """Return what to hand aiohttp as ``data`` for a request body.

    aiohttp warns about raw bytes over 1 MiB and suggests a BytesIO, but a BytesIO payload
    copies the whole body again while sending (a 16 MiB forward_backward twice over). The
    bytes are already complete and immutable, so they are wrapped as they are and the
    advisory warning is silenced for that one construction.
    """
    if body is not None and len(body) > _LARGE_BODY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            return BytesPayload(body)
    return body


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
        follow_redirects: Follow 3xx responses (only the redirect pool does).
        max_redirects: Redirect hops allowed when following.
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
    ) -> None:
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
            APIConnectionError: No complete response arrived.
            APITimeoutError: The request's timeout elapsed first.
            ClosedError: The transport was closed.
        """
        session = self._session if self._session is not None else self.session()
        timeout_s = self._default_timeout_s if request.timeout_s is None else request.timeout_s
        with translate_errors(request, timeout_s, self):
            async with session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=body_payload(request.body),
                timeout=self.timeout_for(request.timeout_s),
                allow_redirects=self._follow_redirects,
                max_redirects=self._max_redirects,
            ) as resp:
                body = await resp.read()
                status = resp.status
                headers = {key.lower(): value for key, value in resp.headers.items()}
            encoding = headers.get("content-encoding")
            if encoding is not None:
                body = decode_body(body, encoding)
        return HttpResponse(status=status, headers=headers, body=body)

    async def aclose(self) -> None:
        """Close the session and its connections; idempotent."""
        self.closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()
