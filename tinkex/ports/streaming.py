"""The StreamingTransport port: an HTTP exchange whose body arrives as a stream of chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

import msgspec

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest

__all__ = ["ServerSentEvent", "StreamingResponse", "StreamingTransport"]


class ServerSentEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One decoded SSE event.

    Attributes:
        event: The event name ("message" when the stream gave none).
        data: The data lines joined with newlines.
        id: The last event id seen, if any.
        retry_ms: A reconnection delay the server asked for, if any.
    """

    event: str = "message"
    data: str = ""
    id: str | None = None
    retry_ms: int | None = None


class StreamingResponse(msgspec.Struct, frozen=True, kw_only=True):
    """Status and headers of a streamed response; the body is read through `chunks`."""

    status: int
    headers: dict[str, str]
    chunks: AsyncIterator[bytes]


class StreamingTransport(Protocol):
    """Open an HTTP exchange and expose its body incrementally.

    Raises `APIConnectionError` only when no response arrived. The caller must exhaust or
    close `chunks`; cancellation releases the connection.
    """

    async def open_stream(self, request: HttpRequest, /) -> StreamingResponse:
        """Send the request and return once the status line and headers arrived."""
        ...
