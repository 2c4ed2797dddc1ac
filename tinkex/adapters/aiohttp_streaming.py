"""AiohttpStreamingTransport: HTTP responses whose body is read chunk by chunk."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp

from tinkex.adapters.aiohttp_transport import AiohttpTransport, translate_errors
from tinkex.adapters.content_encoding import BodyDecoder
from tinkex.ports.streaming import StreamingResponse

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest

__all__ = ["AiohttpStreamingTransport", "ChunkStream"]


class ChunkStream:
    """The body of a streamed response as an async iterator of decoded chunks.

    The connection goes back to the pool when the body is exhausted, and is closed (not
    reused, as its body is unread) by `aclose` or when iteration fails or is cancelled.
    `aclose` works whether or not iteration started.
    """

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        request: HttpRequest,
        read_timeout_s: float | None,
        owner: AiohttpTransport,
    ) -> None:
        self._response = response
        self._request = request
        self._read_timeout_s = read_timeout_s
        self._owner = owner
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        self._decoder = BodyDecoder(encoding) if encoding not in ("", "identity") else None
        self._done = False

    def __aiter__(self) -> ChunkStream:
        return self

    async def __anext__(self) -> bytes:
        while not self._done:
            try:
                with translate_errors(self._request, self._read_timeout_s, self._owner):
                    raw = await self._response.content.readany()
                chunk = self._decode(raw)
            except BaseException:
                # Includes cancellation: drop the half-read connection rather than reuse it.
                await self.aclose()
                raise
            if not raw:
                self._done = True
                self._response.release()
            if chunk:
                return chunk
        raise StopAsyncIteration

    def _decode(self, raw: bytes) -> bytes:
        decoder = self._decoder
        if decoder is None:
            return raw
        return decoder.feed(raw) if raw else decoder.finish()

    async def aclose(self) -> None:
        """Stop reading and close the connection; idempotent."""
        if not self._done:
            self._done = True
            self._response.close()


class AiohttpStreamingTransport:
    """A `StreamingTransport` over the session of an `AiohttpTransport`.

    The timeout of a streamed request bounds connecting and the wait for each chunk, not the
    whole stream. Raises `APIConnectionError` / `APITimeoutError` only when no response
    arrived (and later from the chunk iterator, when the stream breaks).

    Args:
        transport: The transport whose connections to share; when omitted a private one is
            created and closed by `aclose`.
    """

    def __init__(self, transport: AiohttpTransport | None = None) -> None:
        self._owns_transport = transport is None
        self._transport = transport if transport is not None else AiohttpTransport()
        self._timeouts: dict[float | None, aiohttp.ClientTimeout] = {}

    def _timeout_for(self, timeout_s: float | None) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(timeout_s)
        if timeout is None:
            default = self._transport.timeout_for(None)
            read = default.total if timeout_s is None else timeout_s
            timeout = aiohttp.ClientTimeout(total=None, connect=default.connect, sock_read=read)
            if len(self._timeouts) < 64:
                self._timeouts[timeout_s] = timeout
        return timeout

    async def open_stream(self, request: HttpRequest, /) -> StreamingResponse:
        """Send the request and return once the status line and headers arrived.

        Raises:
            APIConnectionError: No response arrived.
            APITimeoutError: Connecting or the first bytes took too long.
            ClosedError: The transport was closed.
        """
        transport = self._transport
        timeout = self._timeout_for(request.timeout_s)
        with translate_errors(request, timeout.sock_read, transport):
            # The transport keeps credentials on their origin and follows redirects.
            response = await transport.open_response(request, timeout)
        try:
            headers = {key.lower(): value for key, value in response.headers.items()}
            chunks = ChunkStream(response, request, timeout.sock_read, transport)
        except BaseException:
            response.close()
            raise
        return StreamingResponse(status=response.status, headers=headers, chunks=chunks)

    async def aclose(self) -> None:
        """Close the private transport, if this instance created it; idempotent.

        A shared transport is left to its owner (the pool).
        """
        if self._owns_transport:
            await self._transport.aclose()
