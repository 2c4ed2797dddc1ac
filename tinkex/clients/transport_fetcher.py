"""`TransportFileFetcher`: the `FileFetcher` port over any tinkex `Transport`.

The in-process embedded backend signs URLs for a host that has no socket (``http://local``),
so downloads from it go through the same transport as the API calls. The transport reads a
whole response at once; the body is then handed out in chunks so progress reporting and the
file writer behave as with a streaming fetcher.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from tinkex.domain.ranges import range_headers
from tinkex.errors import status_error_for
from tinkex.ports.transport import HttpRequest, PoolKind

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tinkex.ports.transport import HttpResponse, Transport

__all__ = ["TransportFileFetcher"]

_CHUNK: Final = 64 * 1024
_MAX_ERROR_BODY: Final = 2048


class _BufferedStream:
    """A fully read body, handed out in chunks."""

    def __init__(self, response: HttpResponse, chunk_size: int) -> None:
        self._body = response.body
        self._headers = response.headers
        self._chunk_size = chunk_size
        self.status = response.status

    @property
    def total_bytes(self) -> int | None:
        """The body size."""
        return len(self._body)

    @property
    def content_range(self) -> str | None:
        """The ``Content-Range`` header of a ``206``."""
        return self._headers.get("content-range")

    @property
    def validator(self) -> str | None:
        """The ``ETag``, else the ``Last-Modified`` date."""
        return self._headers.get("etag") or self._headers.get("last-modified")

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body in `chunk_size` slices."""
        view = memoryview(self._body)
        for start in range(0, len(view), self._chunk_size):
            yield bytes(view[start : start + self._chunk_size])


class TransportFileFetcher:
    """Fetches signed URLs through a tinkex `Transport` (no credentials are added).

    Args:
        transport: The transport to send the GET requests through (not closed by `aclose`).
        timeout_s: Limit on each download.
        chunk_size: Bytes per chunk handed to the caller.
    """

    def __init__(
        self, transport: Transport, *, timeout_s: float = 600.0, chunk_size: int = _CHUNK
    ) -> None:
        self._transport = transport
        self._timeout_s = timeout_s
        self._chunk_size = chunk_size

    @contextlib.asynccontextmanager
    async def open(
        self, url: str, /, *, start: int = 0, if_range: str | None = None
    ) -> AsyncIterator[_BufferedStream]:
        """GET `url` (from byte `start` on, ``If-Range: <if_range>``) and yield its body.

        Raises:
            APIStatusError: The subclass for a non-2xx status.
            APIConnectionError: No response arrived (from the transport).
        """
        request = HttpRequest(
            method="GET",
            url=url,
            headers=tuple(range_headers(start, if_range).items()),
            timeout_s=self._timeout_s,
            pool=PoolKind.REDIRECT,
        )
        response = await self._transport.send(request)
        if not 200 <= response.status < 300:
            host = urlsplit(url).netloc or "?"
            text = response.body[:_MAX_ERROR_BODY].decode("utf-8", errors="replace")
            raise status_error_for(response.status)(
                f"download from {host} failed with status {response.status}: {text}",
                status=response.status,
                body=text or None,
                method="GET",
            )
        yield _BufferedStream(response, self._chunk_size)

    async def aclose(self) -> None:
        """Nothing to release: the transport belongs to the caller."""
