"""The ConnectionPool port: one transport per traffic class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tinkex.ports.transport import PoolKind, Transport

__all__ = ["ConnectionPool"]


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
