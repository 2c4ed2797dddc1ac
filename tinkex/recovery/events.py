"""Recovery events (the Tinkex ``recovery.*`` catalogue) and safe callback invocation."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

import msgspec

from tinkex.ports.telemetry import Severity, TelemetryEvent

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.telemetry import TelemetrySink

__all__ = [
    "RECOVERY_EVENTS",
    "RecoveryEvent",
    "RecoveryListener",
    "call_safely",
    "describe",
    "notify",
    "telemetry_listener",
]

RECOVERY_EVENTS: Final = (
    "recovery.detected",
    "recovery.started",
    "recovery.checkpoint_selected",
    "recovery.client_created",
    "recovery.completed",
    "recovery.failed",
    "recovery.exhausted",
    "recovery.poll_error",
)
"""Every event name a monitor or executor reports, in lifecycle order."""

_WARNINGS = frozenset({"recovery.failed", "recovery.poll_error", "recovery.detected"})


class RecoveryEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One step of watching or restoring a run.

    Attributes:
        name: One of `RECOVERY_EVENTS`.
        run_id: The training run concerned.
        attempt: The restore attempt (1-based), for attempt events.
        checkpoint_path: The checkpoint chosen, once known.
        error: ``Type: message`` of the failure, for failure events.
    """

    name: str
    run_id: str
    attempt: int | None = None
    checkpoint_path: str | None = None
    error: str | None = None


RecoveryListener = Callable[[RecoveryEvent], object]
"""Told every event synchronously; exceptions are logged and swallowed."""


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, for events and logs."""
    return f"{type(exc).__name__}: {exc}"


def notify(
    listeners: Sequence[RecoveryListener], event: RecoveryEvent, logger: FilteringBoundLogger
) -> None:
    """Log `event` and tell every listener; a listener that raises is logged and skipped."""
    fields = {k: v for k, v in msgspec.structs.asdict(event).items() if v is not None}
    name = fields.pop("name")
    if name in _WARNINGS:
        logger.warning(name, **fields)
    else:
        logger.info(name, **fields)
    for listener in listeners:
        try:
            listener(event)
        except Exception:  # a broken listener must not stop a recovery
            logger.exception("recovery.listener_failed", listener=repr(listener))


async def call_safely(
    callback: Callable[..., object] | None, *args: object, logger: FilteringBoundLogger
) -> None:
    """Call a user callback (sync, or returning an awaitable); log and swallow its errors."""
    if callback is None:
        return
    try:
        result = callback(*args)
        if inspect.isawaitable(result):
            await result
    except Exception:  # user callbacks must not break the monitor
        logger.exception("recovery.callback_failed", callback=repr(callback))


def telemetry_listener(sink: TelemetrySink) -> RecoveryListener:
    """A listener forwarding every event to a telemetry sink as a ``GENERIC_EVENT``."""

    def forward(event: RecoveryEvent) -> None:
        data = {k: v for k, v in msgspec.structs.asdict(event).items() if v is not None}
        severity = Severity.WARNING if event.name in _WARNINGS else Severity.INFO
        if event.name == "recovery.exhausted":
            severity = Severity.ERROR
        sink.emit(
            TelemetryEvent(
                event="GENERIC_EVENT", severity=severity, event_name=event.name, event_data=data
            )
        )

    return forward
