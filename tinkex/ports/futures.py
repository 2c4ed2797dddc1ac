"""The FutureResolver port and the queue-state values it reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, TypeVar

__all__ = ["FutureResolver", "QueueState", "QueueStateObserver"]

T = TypeVar("T")


class QueueState(StrEnum):
    """Where the server says a queued request stands."""

    ACTIVE = "active"
    PAUSED_CAPACITY = "paused_capacity"
    PAUSED_RATE_LIMIT = "paused_rate_limit"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> QueueState:
        """Map a wire value to a state; anything unrecognised is UNKNOWN."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.UNKNOWN


class QueueStateObserver(Protocol):
    """Told whenever the server reports a queue state for a request."""

    def on_queue_state_change(
        self, queue_state: QueueState, queue_state_reason: str | None, /
    ) -> None:
        """Called synchronously on the event loop; must not block and must not raise."""
        ...


class FutureResolver(Protocol):
    """Wait for the result of a server-side future.

    Raises `RequestFailedError` when the server reports failure, `FutureTimeoutError` when
    `timeout_s` passes (naming the request id, type and last queue state), and the tinkex
    status errors for statuses it cannot ride out. Cancellation stops polling at once.
    """

    async def resolve(
        self,
        request_id: str,
        /,
        *,
        result_type: type[T],
        request_type: str,
        timeout_s: float | None = None,
        observer: QueueStateObserver | None = None,
        created_roundtrip_s: float | None = None,
        accept_protobuf: bool | None = None,
    ) -> T:
        """Poll until the future finishes and return its decoded result.

        `created_roundtrip_s` is how long the request that created the future took (reported
        with the wait); `accept_protobuf` asks for a protobuf result body (None: the
        resolver's default).
        """
        ...
