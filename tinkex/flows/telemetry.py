"""`BatchingTelemetry`: a TelemetrySink that ships events in bounded batches to its sender.

`emit` is synchronous, never blocks and never raises: it stamps the event and appends it to a
bounded queue (overflow is dropped and counted, with one warning). A background task flushes
every 10 s; `flush()` and `aclose()` flush on demand, in batches of at most 100. A batch that
fails is retried a few times with a short backoff and then dropped, and `aclose` gives up after
`drain_timeout_s`, so a telemetry endpoint that is down never holds up the application.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import traceback
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from tinkex.domain.backoff import Backoff
from tinkex.flows.logging import configure_logging, redact_value
from tinkex.ports.telemetry import Severity, TelemetryEvent

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock

__all__ = [
    "BatchingTelemetry",
    "TelemetryConfig",
    "build_batch_body",
    "process_uuid",
    "telemetry_enabled",
]

_TRUTHY = frozenset({"1", "true", "yes", "on"})
_process: tuple[int, str] | None = None


def telemetry_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``TINKER_TELEMETRY`` allows telemetry (default on; only 1/true/yes/on enable)."""
    value = (env if env is not None else os.environ).get("TINKER_TELEMETRY", "1")
    return value.strip().lower() in _TRUTHY


def process_uuid() -> str:
    """A uuid4 identifying this process; a forked child gets a new one."""
    global _process  # one id per process is the point
    pid = os.getpid()
    if _process is None or _process[0] != pid:
        _process = (pid, str(uuid.uuid4()))
    return _process[1]


def build_batch_body(
    events: list[dict[str, Any]],
    *,
    session_id: str,
    sdk_version: str,
    platform_name: str | None = None,
    process_id: str | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /api/v1/telemetry`` for one batch of stamped events."""
    return {
        "events": events,
        "platform": platform_name if platform_name is not None else platform.system(),
        "sdk_version": sdk_version,
        "session_id": session_id,
        "process_uuid": process_id if process_id is not None else process_uuid(),
    }


class TelemetryConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Queueing and delivery limits.

    Attributes:
        max_queue: Events kept while waiting to be sent; more are dropped.
        batch_size: Events per request.
        flush_interval_s: Time between background flushes.
        max_send_attempts: Tries per batch before it is dropped.
        backoff: Pause between tries (0.5 s doubling to 2 s).
        drain_timeout_s: Longest time `aclose` spends delivering what is left.
    """

    max_queue: int = 10_000
    batch_size: int = 100
    flush_interval_s: float = 10.0
    max_send_attempts: int = 3
    backoff: Backoff = Backoff(base_s=0.5, max_s=2.0)
    drain_timeout_s: float = 5.0


class BatchingTelemetry:
    """Queue stamped events and deliver them in batches through `send_batch`.

    Attributes:
        dropped: Events dropped (queue full, failed batches, closed sink, drain timeout).
        sent: Events delivered.
    """

    def __init__(
        self,
        send_batch: Callable[[list[dict[str, Any]]], Awaitable[None]],
        *,
        clock: Clock,
        config: TelemetryConfig | None = None,
        logger: FilteringBoundLogger | None = None,
        redact: Callable[[object], object] = redact_value,
    ) -> None:
        """Create a sink; the flush task starts on the first `emit` inside a running loop.

        Args:
            send_batch: Delivers one batch of stamped events (the composition root wraps them
                with `build_batch_body` and posts them on the telemetry pool).
            clock: Time source for timestamps, flush intervals and the drain deadline.
            config: Limits.
            logger: Where overflow and drop warnings go.
            redact: Masks credentials in event data and exception messages.
        """
        self._send_batch = send_batch
        self._clock = clock
        self.config = config or TelemetryConfig()
        self._rng = random.Random()  # jitter of the retry backoff, when the config asks for it
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._redact = redact
        self._queue: deque[dict[str, Any]] = deque()
        self._index = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._warned_overflow = False
        self.dropped = 0
        self.sent = 0

    @property
    def queued(self) -> int:
        """Events waiting to be sent."""
        return len(self._queue)

    def emit(self, event: TelemetryEvent, /) -> None:
        """Stamp and queue one event; drops (and counts) it when full or closed."""
        try:
            if self._closed or len(self._queue) >= self.config.max_queue:
                self._drop_one()
                return
            self._queue.append(self._stamp(event))
            self._ensure_task()
        except Exception:  # noqa: BLE001 - telemetry must never break the caller
            self.dropped += 1

    def emit_exception(self, exc: BaseException, *, fatal: bool) -> None:
        """Queue an ``UNHANDLED_EXCEPTION`` event with the redacted type, message and trace."""
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.emit(
            TelemetryEvent(
                event="UNHANDLED_EXCEPTION",
                severity=Severity.CRITICAL if fatal else Severity.ERROR,
                event_data={
                    "error_type": type(exc).__name__,
                    "error_message": str(self._redact(str(exc))),
                    "traceback": str(self._redact(trace)),
                },
            )
        )

    async def flush(self) -> None:
        """Send everything queued now, batch by batch; never raises."""
        async with self._lock:
            while self._queue:
                size = min(self.config.batch_size, len(self._queue))
                batch = [self._queue.popleft() for _ in range(size)]
                try:
                    await self._deliver(batch)
                except asyncio.CancelledError:
                    self.dropped += len(batch)  # cut off by the drain deadline
                    raise

    async def aclose(self) -> None:
        """Stop the flush task and deliver what is left within `drain_timeout_s`."""
        if self._closed:
            return
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))
        drain = asyncio.ensure_future(self.flush())
        timer = asyncio.ensure_future(self._clock.sleep(self.config.drain_timeout_s))
        try:
            await asyncio.wait((drain, timer), return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not drain.done():
                drain.cancel()
                await asyncio.wait((drain,))
        if self._queue:
            left = len(self._queue)
            self._queue.clear()
            self.dropped += left
            self._log.warning("telemetry.drain_timeout", dropped=left)

    def _stamp(self, event: TelemetryEvent) -> dict[str, Any]:
        stamped: dict[str, Any] = {
            "event": event.event,
            "event_id": str(uuid.uuid4()),
            "event_session_index": self._index,
            "severity": event.severity.value,
            "timestamp": datetime.fromtimestamp(self._clock.time(), tz=UTC).isoformat(),
        }
        self._index += 1
        data = self._redact(event.event_data)
        if event.event == "GENERIC_EVENT":
            stamped["event_name"] = event.event_name
            stamped["event_data"] = data
        elif isinstance(data, dict):
            stamped.update(data)
        return stamped

    def _drop_one(self) -> None:
        self.dropped += 1
        if not self._warned_overflow and not self._closed:
            self._warned_overflow = True
            self._log.warning("telemetry.queue_full", max_queue=self.config.max_queue)

    def _ensure_task(self) -> None:
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: events wait for flush() or the next emit on a loop
        self._task = loop.create_task(self._periodic(), name="tinkex-telemetry")

    async def _periodic(self) -> None:
        while True:
            await self._clock.sleep(self.config.flush_interval_s)
            await self.flush()

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        cfg = self.config
        for attempt in range(1, cfg.max_send_attempts + 1):
            try:
                await self._send_batch(batch)
            except Exception as exc:  # noqa: BLE001 - telemetry failures are dropped, not raised
                if attempt == cfg.max_send_attempts:
                    self.dropped += len(batch)
                    self._log.debug(
                        "telemetry.batch_dropped", events=len(batch), error_type=type(exc).__name__
                    )
                    return
                await self._clock.sleep(cfg.backoff.delay(attempt - 1, self._rng))
            else:
                self.sent += len(batch)
                return
