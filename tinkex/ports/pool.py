"""The ConnectionPool port: one transport per traffic class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from tinkex.ports.streaming import StreamingTransport
    from tinkex.ports.transport import PoolKind, Transport

__all__ = ["ConnectionPool", "StreamingConnectionPool"]


class ConnectionPool(Protocol):
    """Hand out the transport for a traffic class, each with its own limits.

    Transports are created lazily and closed together by `aclose`, in reverse creation order.
    """

    def transport_for(self, kind: PoolKind, /) -> Transport:
        """Return the (shared) transport serving `kind`."""
        ...

    async def aclose(self) -> None:
        """Close every transport this pool created."""
        ...


@runtime_checkable
class StreamingConnectionPool(Protocol):
    """A pool that can also stream a response body over the connections of a traffic class."""

    def transport_for(self, kind: PoolKind, /) -> Transport:
        """Return the (shared) transport serving `kind`."""
        ...

    def streaming_for(self, kind: PoolKind, /) -> StreamingTransport:
        """Return a streaming transport sharing the connections of `kind`."""
        ...

    async def aclose(self) -> None:
        """Close every transport this pool created."""
        ...
