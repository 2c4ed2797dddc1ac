"""Public telemetry: a session reporter, exception capture, and a recording sink.

```python
reporter = await telemetry_reporter(service)          # None when telemetry is off
reporter.log("dataset.loaded", {"rows": 1200})
with reporter.capture_exceptions(fatal=True):         # log, then re-raise
    await train()
await reporter.flush()
```

`TelemetryReporter` (the Tinkex ``Telemetry.Reporter``) writes ``GENERIC_EVENT``,
``UNHANDLED_EXCEPTION`` and ``SESSION_END`` events to any `TelemetrySink`, usually the
session's batching sink (`BatchingTelemetry`), which stamps, batches and uploads them with
bounded retries. Errors the user caused (4xx other than 408/429, or requests the server blamed
on the user, anywhere in the ``__cause__``/``__context__`` chain) are reported as a
``user_error`` warning instead of an unhandled exception, as the official SDK does.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import traceback
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from tinkex.adapters.clock import SystemClock
from tinkex.errors import APIStatusError, RequestErrorCategory, RequestFailedError
from tinkex.flows.logging import configure_logging
from tinkex.ports.telemetry import Severity, TelemetryEvent, TelemetrySink
from tinkex.testing.telemetry import RecordingTelemetrySink  # its home is tinkex.testing

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.client import ClientContext
    from tinkex.ports.clock import Clock

__all__ = [
    "CaptureExceptions",
    "RecordingTelemetrySink",
    "Severity",
    "TelemetryEvent",
    "TelemetryReporter",
    "TelemetrySink",
    "capture_exceptions",
    "is_user_error",
    "telemetry_reporter",
]

P = ParamSpec("P")
R = TypeVar("R")

_NOT_USER_STATUSES = frozenset({408, 429})
_handler_ids = itertools.count(1)


def _user_error(exc: BaseException, seen: set[int] | None = None) -> BaseException | None:
    seen = seen if seen is not None else set()
    if id(exc) in seen:
        return None
    seen.add(id(exc))
    if isinstance(exc, APIStatusError) and (
        400 <= exc.status < 500 and exc.status not in _NOT_USER_STATUSES
    ):
        return exc
    if isinstance(exc, RequestFailedError) and exc.category == RequestErrorCategory.USER:
        return exc
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None and (found := _user_error(linked, seen)) is not None:
            return found
    return None


def is_user_error(exc: BaseException) -> bool:
    """True if `exc` (or an error it was raised from) is the user's fault, not the service's."""
    return _user_error(exc) is not None


class TelemetryReporter:
    """Write SDK telemetry events for one session.

    Args:
        sink: Where events go (the session's `BatchingTelemetry`, or any `TelemetrySink`).
        clock: Time source for the session duration reported at ``SESSION_END``.
        logger: Where `attach_logger` handlers write.
    """

    def __init__(
        self,
        sink: TelemetrySink,
        *,
        clock: Clock | None = None,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        self.sink = sink
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._started = self._clock.monotonic()
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._handlers: dict[str, tuple[FilteringBoundLogger, Severity]] = {}
        self._ended = False

    def log(
        self,
        name: str,
        data: Mapping[str, Any] | None = None,
        severity: Severity | str = Severity.INFO,
    ) -> bool:
        """Queue a ``GENERIC_EVENT`` named `name` (data must be JSON-friendly, secret-free).

        Returns:
            True (the sink never raises; a full queue drops and counts instead).
        """
        event = TelemetryEvent(
            event="GENERIC_EVENT",
            severity=Severity(severity),
            event_name=name,
            event_data=dict(data or {}),
        )
        return self._emit(event)

    def log_exception(
        self, exc: BaseException, *, fatal: bool = False, severity: Severity | str | None = None
    ) -> bool:
        """Report an exception: a ``user_error`` warning, or an ``UNHANDLED_EXCEPTION``.

        Args:
            exc: The exception.
            fatal: The program is going down: also emit ``SESSION_END`` (once).
            severity: Override of ERROR (CRITICAL when fatal) for unhandled exceptions.
        """
        found = _user_error(exc)
        if found is not None:
            data: dict[str, Any] = {"error_type": type(found).__name__, "message": str(found)}
            if isinstance(found, APIStatusError):
                data["status_code"] = found.status
            self.log("user_error", data, Severity.WARNING)
        else:
            level = Severity(severity) if severity is not None else None
            self._emit(
                TelemetryEvent(
                    event="UNHANDLED_EXCEPTION",
                    severity=level or (Severity.CRITICAL if fatal else Severity.ERROR),
                    event_data={
                        "error_type": type(exc).__name__,
                        "error_message": str(exc),
                        "traceback": _traceback(exc),
                    },
                )
            )
        if fatal:
            self.end_session()
        return True

    def end_session(self) -> bool:
        """Emit ``SESSION_END`` with the reporter's lifetime; only the first call emits."""
        if self._ended:
            return False
        self._ended = True
        elapsed = self._clock.monotonic() - self._started
        return self._emit(
            TelemetryEvent(
                event="SESSION_END", event_data={"duration": str(timedelta(seconds=elapsed))}
            )
        )

    async def flush(self) -> None:
        """Deliver what is queued now (within the sink's bounded retry budget)."""
        await self.sink.flush()

    def capture_exceptions(
        self, *, fatal: bool = False, severity: Severity | str | None = None
    ) -> CaptureExceptions:
        """A context manager / decorator that reports exceptions and re-raises them."""
        return CaptureExceptions(self, fatal=fatal, severity=severity)

    def attach_logger(
        self, logger: FilteringBoundLogger | None = None, *, level: Severity | str = Severity.INFO
    ) -> str:
        """Also write every event this reporter emits to a structlog logger.

        Args:
            logger: The logger (default: the tinkex console logger).
            level: Events below this severity are not logged.

        Returns:
            A handler id for `detach`.
        """
        handler_id = f"tinkex-telemetry-{next(_handler_ids)}"
        self._handlers[handler_id] = (logger or self._log, Severity(level))
        return handler_id

    def detach(self, handler_id: str) -> bool:
        """Remove a handler added by `attach_logger`; True if it existed."""
        return self._handlers.pop(handler_id, None) is not None

    def _emit(self, event: TelemetryEvent) -> bool:
        self.sink.emit(event)
        for logger, level in self._handlers.values():
            if _LOG_LEVELS[event.severity] >= _LOG_LEVELS[level]:
                logger.log(
                    _LOG_LEVELS[event.severity],
                    event.event_name or event.event,
                    telemetry_event=event.event,
                    **event.event_data,
                )
        return True


# stdlib logging levels, also the order of severities
_LOG_LEVELS = dict(zip(Severity, (10, 20, 30, 40, 50), strict=True))


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class CaptureExceptions:
    """Report an exception raised inside, then re-raise it (``with``, ``async with``, decorator).

    With no reporter (telemetry off) it does nothing but re-raise. `BaseException`s that are
    not `Exception`s (cancellation, KeyboardInterrupt) pass through unreported.
    """

    def __init__(
        self,
        reporter: TelemetryReporter | None,
        *,
        fatal: bool = False,
        severity: Severity | str | None = None,
    ) -> None:
        self._reporter = reporter
        self._fatal = fatal
        self._severity = severity

    def __enter__(self) -> CaptureExceptions:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, Exception) and self._reporter is not None:
            self._reporter.log_exception(exc, fatal=self._fatal, severity=self._severity)

    async def __aenter__(self) -> CaptureExceptions:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)
        if isinstance(exc, Exception) and self._fatal and self._reporter is not None:
            await self._reporter.flush()  # the program is going down: deliver now

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        """Wrap a function (sync or async) so its exceptions are reported."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                async with self:
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]  # same signature, awaited inside

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return func(*args, **kwargs)

        return wrapper


def capture_exceptions(
    reporter: TelemetryReporter | None,
    *,
    fatal: bool = False,
    severity: Severity | str | None = None,
) -> CaptureExceptions:
    """Report exceptions to `reporter` (a no-op when None) and re-raise them.

    Usable as ``with``, ``async with`` (which also flushes after a fatal error) and as a
    decorator of sync or async functions.
    """
    return CaptureExceptions(reporter, fatal=fatal, severity=severity)


class _StartsAStack(Protocol):
    """What `telemetry_reporter` needs of a ServiceClient."""

    async def start(self) -> None: ...

    @property
    def runtime(self) -> ClientContext: ...


async def telemetry_reporter(service: _StartsAStack) -> TelemetryReporter | None:
    """The reporter of `service`'s session, or None when telemetry is off.

    Starts the session if needed (the session's sink exists from then on).
    """
    await service.start()
    sink = service.runtime.telemetry
    if sink is None:
        return None
    return TelemetryReporter(sink, clock=service.runtime.clock, logger=service.runtime.logger)
