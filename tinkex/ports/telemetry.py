"""The TelemetrySink port and the events it carries."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

import msgspec

__all__ = ["Severity", "TelemetryEvent", "TelemetrySink"]


class Severity(StrEnum):
    """Event severity, as the telemetry endpoint spells it."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class TelemetryEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A telemetry event before it is stamped with ids and a session index.

    Attributes:
        event: ``SESSION_START``, ``SESSION_END``, ``UNHANDLED_EXCEPTION`` or ``GENERIC_EVENT``.
        severity: How serious it is.
        event_name: For generic events, what happened (e.g. ``APIFuture.result_async.timeout``).
        event_data: Extra fields; must already be free of secrets.
    """

    event: str
    severity: Severity = Severity.INFO
    event_name: str | None = None
    event_data: dict[str, Any] = msgspec.field(default_factory=dict)


class TelemetrySink(Protocol):
    """Accept events without ever blocking or raising; deliver them in the background."""

    def emit(self, event: TelemetryEvent, /) -> None:
        """Queue one event (dropped, with a count, when the queue is full)."""
        ...

    async def flush(self) -> None:
        """Send what is queued now, within the sink's bounded retry budget."""
        ...

    async def aclose(self) -> None:
        """Flush within a bounded drain time and stop."""
        ...
