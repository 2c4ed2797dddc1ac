"""`AiohttpFileFetcher`: streams signed download URLs with aiohttp (the `FileFetcher` port).

Signed URLs carry their credential in the path or query, so errors name only the host: the
URL itself never reaches a message or a log. Their host is usually a storage provider, a
third party: the fetcher's own session sends no API key, Cloudflare or ``Authorization``
header there (or to wherever it redirects). A resumed download asks for ``Range``
and the stream tells the caller what came back (status, ``Content-Range``, validator).
Nothing is retried here; the download flow signs
expired URLs again and the caller decides about the rest.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import aiohttp

from tinkex.domain.ranges import range_headers
from tinkex.errors import (
    APIConnectionError,
    APITimeoutError,
    ClosedError,
    TinkexError,
    status_error_for,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

__all__ = ["DEFAULT_CHUNK_SIZE", "AiohttpFileFetcher"]

DEFAULT_CHUNK_SIZE: Final = 64 * 1024
_MAX_ERROR_BODY: Final = 2048


class _AiohttpByteStream:
    """The body of one aiohttp response, read in fixed-size chunks."""

    def __init__(self, response: aiohttp.ClientResponse, chunk_size: int, host: str) -> None:
        self._response = response
        self._chunk_size = chunk_size
        self._host = host

    @property
    def status(self) -> int:
        """``200`` (the whole body) or ``206`` (the requested range)."""
        return self._response.status

    @property
    def total_bytes(self) -> int | None:
        """The Content-Length, when the server sent one."""
        return self._response.content_length

    @property
    def content_range(self) -> str | None:
        """The ``Content-Range`` header of a ``206``."""
        return self._response.headers.get("Content-Range")

    @property
    def validator(self) -> str | None:
        """The ``ETag``, else the ``Last-Modified`` date (what ``If-Range`` accepts)."""
        headers = self._response.headers
        return headers.get("ETag") or headers.get("Last-Modified")

    async def chunks(self) -> AsyncIterator[bytes]:
        """Yield the body chunk by chunk (connection failures become tinkex errors)."""
        with _translate(self._host, None):
            async for chunk in self._response.content.iter_chunked(self._chunk_size):
                yield chunk


class AiohttpFileFetcher:
    """Opens signed URLs with an aiohttp session that is created lazily and owned.

    Args:
        timeout_s: Limit on connecting and on each read pause (not on the whole download,
            which may legitimately take long for a large checkpoint).
        chunk_size: Bytes per chunk handed to the caller.
        session: An aiohttp session to use instead (not closed by `aclose`).
    """

    def __init__(
        self,
        *,
        timeout_s: float = 60.0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s, sock_read=timeout_s)
        self._timeout_s = timeout_s
        self._chunk_size = chunk_size
        self._session = session
        self._owns_session = session is None
        self._closed = False

    def _client(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClosedError("the file fetcher is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    @contextlib.asynccontextmanager
    async def open(
        self, url: str, /, *, start: int = 0, if_range: str | None = None
    ) -> AsyncIterator[_AiohttpByteStream]:
        """GET `url` (from byte `start` on) and yield its body stream once a 2xx arrived.

        Args:
            url: The signed URL.
            start: Ask for ``Range: bytes=<start>-`` when above zero.
            if_range: Sent as ``If-Range``: the server answers the whole body (``200``)
                when its validator differs.

        Raises:
            APIStatusError: The subclass for a non-2xx status (body text, at most 2 KB).
            APIConnectionError: No response, or the connection broke while reading.
            APITimeoutError: Connecting or a read stalled beyond the timeout.
            ClosedError: The fetcher was closed.
        """
        host = urlsplit(url).netloc or "?"
        client = self._client()
        with _translate(host, self._timeout_s):
            response = await client.get(
                url, allow_redirects=True, headers=range_headers(start, if_range)
            )
        try:
            if not 200 <= response.status < 300:
                with _translate(host, self._timeout_s):
                    raw = await response.content.read(_MAX_ERROR_BODY)
                text = raw.decode("utf-8", errors="replace")
                raise status_error_for(response.status)(
                    f"download from {host} failed with status {response.status}: {text}",
                    status=response.status,
                    body=text or None,
                    method="GET",
                )
            # The caller's own errors (a full disk...) pass through untranslated.
            yield _AiohttpByteStream(response, self._chunk_size, host)
        finally:
            response.release()

    async def aclose(self) -> None:
        """Close the owned session (idempotent)."""
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None


@contextlib.contextmanager
def _translate(host: str, timeout_s: float | None) -> Iterator[None]:
    try:
        yield
    except TinkexError:
        raise
    except TimeoutError as exc:
        after = f" after {timeout_s:g}s" if timeout_s is not None else ""
        raise APITimeoutError(f"download from {host} timed out{after}", method="GET") from exc
    except (aiohttp.ClientError, OSError) as exc:
        # The library message may quote the signed URL; keep only the exception type.
        raise APIConnectionError(
            f"download from {host} failed: {type(exc).__name__}", method="GET"
        ) from exc
