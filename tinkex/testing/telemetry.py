"""`RecordingTelemetrySink`: a TelemetrySink that keeps every event for inspection."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.ports.telemetry import TelemetryEvent

__all__ = ["RecordingTelemetrySink"]


class RecordingTelemetrySink:
    """A `TelemetrySink` that keeps every event in `events` (for tests, demos and notebooks).

    ```python
    sink = RecordingTelemetrySink()
    async with ServiceClient(base_url="local", telemetry=sink) as service:
        ...
    assert sink.names()[0] == "SESSION_START"
    ```

    Attributes:
        events: Every event emitted, in order.
        flushes: How many times `flush` was called.
        closed: True once `aclose` was called.
    """

    def __init__(self) -> None:
        self.events: list[TelemetryEvent] = []
        self.flushes = 0
        self.closed = False

    def emit(self, event: TelemetryEvent, /) -> None:
        """Keep the event."""
        self.events.append(event)

    async def flush(self) -> None:
        """Count the flush."""
        self.flushes += 1

    async def aclose(self) -> None:
        """Mark closed (the events stay readable)."""
        self.closed = True

    def names(self) -> list[str]:
        """``event_name`` of generic events, else the event type, in order."""
        return [e.event_name or e.event for e in self.events]
