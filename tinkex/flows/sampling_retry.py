"""The sampling retry handler: unlimited jittered retries plus stuck detection.

One handler is shared by every client of a sampling session (`SamplingRetryHandlers`), so its
semaphore bounds the session's concurrent sample operations. Each `execute` retries retryable
failures forever, waiting the config's `Backoff` between attempts (0.5 s doubling to 10 s, up
to 25 % removed) or the server's ``retry-after`` when the failure carried one the backoff
honours; a watchdog fails the operation with `APIConnectionError("No progress made in …")`
when no operation of the handler finished for `progress_timeout_s`.
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from tinkex.domain.backoff import Backoff
from tinkex.domain.retry import RetryRules
from tinkex.errors import APIConnectionError, APIStatusError, FutureTimeoutError
from tinkex.flows.count_semaphore import CountSemaphore
from tinkex.flows.logging import configure_logging
from tinkex.flows.observability import note_retry
from tinkex.flows.polling_state import PromiseExpiredError
from tinkex.flows.retrying import requested_delay_s
from tinkex.ports.telemetry import Severity, TelemetryEvent

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock
    from tinkex.ports.telemetry import TelemetrySink

__all__ = [
    "SamplingRetryConfig",
    "SamplingRetryHandler",
    "SamplingRetryHandlers",
    "is_retryable_sampling_error",
]

T = TypeVar("T")

# The official RetryHandler re-runs a sample on 408/409/429/5xx whatever x-should-retry said
# (the HTTP layer below already obeyed it for the attempt itself).
_SAMPLING_RULES = RetryRules(honor_should_retry=False)


class SamplingRetryConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the sampling retry handler.

    Attributes:
        max_connections: Concurrent sample operations per sampling session (server flag
            ``sample_max_concurrent_requests``); None disables the limit.
        progress_timeout_s: Fail when no operation finished for this long.
        backoff: Wait between the attempts of one operation.
        enable_retry_logic: False runs each operation once.
        enable_stuck_detection: False disables the progress watchdog.
    """

    max_connections: int | None = 2000
    progress_timeout_s: float = 7200.0
    backoff: Backoff = Backoff(base_s=0.5, max_s=10.0, jitter=0.25)
    enable_retry_logic: bool = True
    enable_stuck_detection: bool = True


def is_retryable_sampling_error(exc: BaseException) -> bool:
    """True for failures a sample may simply be re-run after.

    Connection failures and timeouts, 408/409/429/5xx, and an expired promise are retryable;
    a caller's own deadline (`FutureTimeoutError`) and everything else are not.
    """
    if isinstance(exc, FutureTimeoutError):
        return False
    if isinstance(exc, PromiseExpiredError | APIConnectionError | TimeoutError):
        return True
    if isinstance(exc, APIStatusError):
        return _SAMPLING_RULES.status_verdict(exc.status, exc.should_retry)[0]
    return False


class SamplingRetryHandler:
    """Run sample operations with a session-wide concurrency limit, retries and a watchdog."""

    def __init__(
        self,
        config: SamplingRetryConfig | None = None,
        *,
        clock: Clock,
        name: str = "sampling",
        rng: random.Random | None = None,
        telemetry: TelemetrySink | None = None,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        self.config = config or SamplingRetryConfig()
        self.name = name
        self._clock = clock
        self._rng = rng or random.Random()
        self._telemetry = telemetry
        self._log: FilteringBoundLogger = logger or configure_logging()
        limit = self.config.max_connections
        self._semaphore = CountSemaphore(limit) if limit is not None else None
        self._last_progress = clock.monotonic()
        self._running: set[asyncio.Task[Any]] = set()
        self._stalled: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Future[None] | None = None
        self.active = 0
        self.completed = 0
        self.retries = 0

    async def execute(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run `operation` until it succeeds or fails with a non-retryable error.

        Args:
            operation: One full attempt (submit and poll); called again for each retry.

        Returns:
            The operation's result.

        Raises:
            APIConnectionError: No operation of this handler made progress for
                `progress_timeout_s` ("No progress made in …").
        """
        # One coroutine frame for the whole operation (no nested helpers, no extra tasks):
        # every I/O wake-up of the attempt passes through each frame above it.
        semaphore = self._semaphore
        if semaphore is not None and not semaphore.try_acquire():
            await semaphore.acquire()
        try:
            if self.active == 0:
                # Idle time is not a stall: the clock starts when work is there.
                self._last_progress = self._clock.monotonic()
            self.active += 1
            task = asyncio.current_task() if self.config.enable_stuck_detection else None
            if task is not None:
                self._watch_task(task)
            try:
                attempt = 0
                streak = 0  # retries whose delay came from the backoff rather than the server
                while True:
                    attempt += 1
                    try:
                        result = await operation()
                    except Exception as exc:
                        retry = self.config.enable_retry_logic and is_retryable_sampling_error(exc)
                        self._report(exc, attempt, retry)
                        if not retry:
                            raise
                        self.retries += 1
                        note_retry("sampling", exc, attempt=attempt - 1)
                        wait = self.config.backoff.wait(
                            streak, self._rng, requested_s=requested_delay_s(exc)
                        )
                        if not wait.requested:
                            streak += 1
                        await self._clock.sleep(wait.delay_s)
                        continue
                    self._last_progress = self._clock.monotonic()
                    self.completed += 1
                    return result
            except asyncio.CancelledError:
                if task is not None and self._stalled_by_watchdog(task):
                    raise self._stuck_error() from None
                raise
            finally:
                self.active -= 1
                if task is not None:
                    self._unwatch_task(task)
        finally:
            if semaphore is not None:
                semaphore.release()

    # The operation runs in the caller's own task; one watchdog per handler cancels the tasks
    # of every running operation when the handler stalls, and `execute` turns that
    # cancellation into the "stuck" error (a task per operation would cost two more tasks and
    # an `asyncio.wait` per sample).

    def _watch_task(self, task: asyncio.Task[Any]) -> None:
        self._running.add(task)
        if self._watchdog is None:
            self._watchdog = asyncio.ensure_future(self._watch())

    def _stalled_by_watchdog(self, task: asyncio.Task[Any]) -> bool:
        # True when the cancellation came from the watchdog alone.
        if task not in self._stalled:
            return False
        self._stalled.discard(task)
        return task.uncancel() == 0

    def _unwatch_task(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if task in self._stalled:
            # The operation absorbed the watchdog's cancellation and finished anyway.
            self._stalled.discard(task)
            task.uncancel()
        if not self._running and self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _stuck_error(self) -> APIConnectionError:
        timeout = self.config.progress_timeout_s
        self._log.error("sampling.stuck", handler=self.name, progress_timeout_s=timeout)
        return APIConnectionError(f"No progress made in {timeout:g}s. Requests appear to be stuck.")

    async def _watch(self) -> None:
        # Fails every running operation once the whole handler has gone `progress_timeout_s`
        # without finishing one; any completion pushes the deadline out.
        while True:
            deadline = self._last_progress + self.config.progress_timeout_s
            remaining = deadline - self._clock.monotonic()
            if remaining > 0:
                await self._clock.sleep(remaining)
                continue
            self._watchdog = None
            for task in list(self._running):
                if task not in self._stalled:
                    self._stalled.add(task)
                    task.cancel()
            return

    def _report(self, exc: Exception, attempt: int, retry: bool) -> None:
        self._log.debug(
            "sampling.attempt_failed",
            handler=self.name,
            attempt=attempt,
            retry=retry,
            error_type=type(exc).__name__,
            status=getattr(exc, "status", None),
        )
        if self._telemetry is not None:
            self._telemetry.emit(
                TelemetryEvent(
                    event="GENERIC_EVENT",
                    severity=Severity.WARNING if retry else Severity.ERROR,
                    event_name="RetryHandler.execute.exception",
                    event_data={
                        "exception_type": type(exc).__name__,
                        "status_code": getattr(exc, "status", None),
                        "should_retry": retry,
                        "attempt_count": attempt,
                    },
                )
            )


class SamplingRetryHandlers:
    """One shared `SamplingRetryHandler` per sampling session id."""

    def __init__(
        self,
        config: SamplingRetryConfig | None = None,
        *,
        clock: Clock,
        telemetry: TelemetrySink | None = None,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        self._config = config or SamplingRetryConfig()
        self._clock = clock
        self._telemetry = telemetry
        self._logger = logger
        self._handlers: dict[str, SamplingRetryHandler] = {}

    def for_session(self, sampling_session_id: str) -> SamplingRetryHandler:
        """Return the session's handler, creating it on first use."""
        handler = self._handlers.get(sampling_session_id)
        if handler is None:
            handler = SamplingRetryHandler(
                self._config,
                clock=self._clock,
                name=sampling_session_id,
                telemetry=self._telemetry,
                logger=self._logger,
            )
            self._handlers[sampling_session_id] = handler
        return handler
