# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``telemetry`` group."""

from datetime import datetime
from typing import Any, Literal, TypeAlias

from tinkex.domain.types._base import Wire, always

__all__ = [
    "GenericEvent",
    "SessionEndEvent",
    "SessionStartEvent",
    "Severity",
    "TelemetryEvent",
    "TelemetryResponse",
    "TelemetrySendRequest",
    "UnhandledExceptionEvent",
]


Severity: TypeAlias = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
"""Log severity."""


class SessionStartEvent(Wire, frozen=True, kw_only=True, tag_field="event", tag="SESSION_START"):
    """A session started."""

    event_id: str
    event_session_index: int
    severity: Severity
    timestamp: datetime


class SessionEndEvent(Wire, frozen=True, kw_only=True, tag_field="event", tag="SESSION_END"):
    """A session ended."""

    event_id: str
    event_session_index: int
    severity: Severity
    timestamp: datetime
    duration: str


class UnhandledExceptionEvent(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="event",
    tag="UNHANDLED_EXCEPTION",
):
    """An exception escaped a public method."""

    event_id: str
    event_session_index: int
    severity: Severity
    timestamp: datetime
    error_type: str
    error_message: str
    traceback: str | None = None


class GenericEvent(Wire, frozen=True, kw_only=True, tag_field="event", tag="GENERIC_EVENT"):
    """A named event with structured data."""

    event_id: str
    event_session_index: int
    severity: Severity
    timestamp: datetime
    event_name: str
    event_data: dict[str, Any] = always({})


TelemetryEvent: TypeAlias = (
    SessionStartEvent | SessionEndEvent | UnhandledExceptionEvent | GenericEvent
)
"""Any telemetry event."""


class TelemetrySendRequest(Wire, frozen=True, kw_only=True):
    """One batch of events (at most 100)."""

    events: list[TelemetryEvent]
    platform: str
    sdk_version: str
    session_id: str
    process_uuid: str | None = None


class TelemetryResponse(Wire, frozen=True, kw_only=True):
    """Batch accepted."""

    status: str
