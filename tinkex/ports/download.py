"""The download ports: a file fetched from a signed URL, chunk by chunk, and who fetches it.

`tinkex.adapters.http_download` implements `FileFetcher` over aiohttp and
`tinkex.clients.transport_fetcher` over any tinkex `Transport`; the checkpoint download
(`tinkex.clients.checkpoint_download`) and its resumption use only these protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractAsyncContextManager

__all__ = ["ByteStream", "FileFetcher"]


class ByteStream(Protocol):
    """The body of one download, read in chunks."""

    @property
    def status(self) -> int:
        """``200`` (the whole body) or ``206`` (the requested range)."""
        ...

    @property
    def total_bytes(self) -> int | None:
        """The body size announced by the server (Content-Length), or None when unknown."""
        ...

    @property
    def content_range(self) -> str | None:
        """The ``Content-Range`` header (``bytes <first>-<last>/<size>``) of a ``206``."""
        ...

    @property
    def validator(self) -> str | None:
        """The ``ETag``, else ``Last-Modified``: what identifies this version of the file."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body, chunk by chunk."""
        ...


class FileFetcher(Protocol):
    """Opens signed download URLs (the port `tinkex.adapters.http_download` implements).

    `open` raises the tinkex `APIStatusError` subclass for a non-2xx answer and
    `APIConnectionError`/`APITimeoutError` when no answer arrives; it never retries.
    """

    def open(
        self, url: str, /, *, start: int = 0, if_range: str | None = None
    ) -> AbstractAsyncContextManager[ByteStream]:
        """Start the download of `url`; the context closes the connection.

        With `start` above zero, ask for ``Range: bytes=<start>-`` (and send `if_range` as
        ``If-Range``); the stream's `status` and `content_range` tell what came back.
        """
        ...

    async def aclose(self) -> None:
        """Release the fetcher's connections."""
        ...
