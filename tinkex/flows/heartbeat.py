"""Session heartbeats: on the caller's loop, or on a thread of their own.

`LoopHeartbeat` is a task on the caller's event loop, timed by the Clock port. It stops when
the server says the session is gone (410) and warns on every beat once no heartbeat succeeded
for `warn_after_s`.

`ThreadedHeartbeat` keeps the session alive while user code blocks the main event loop (a long
numpy step, a synchronous call): it runs on its own daemon thread, with its own event loop and
its own connection, created inside that thread by the injected `make_sender` factory. It
measures how late each beat starts (`lag_s`) and warns when that exceeds `lag_warn_s`.

Which of the two runs is the user's choice, ``ServiceClient(heartbeat="thread" | "loop")`` or
``TINKEX_HEARTBEAT``, resolved with its default in `tinkex.bootstrap.adapters`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Protocol

from tinkex.errors import GoneError
from tinkex.flows.logging import configure_logging

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock

__all__ = ["HeartbeatRunner", "HeartbeatSender", "LoopHeartbeat", "ThreadedHeartbeat"]

HeartbeatSender = tuple["Callable[[str], Awaitable[None]]", "Callable[[], Awaitable[None]]"]
"""``(send, aclose)``: one heartbeat for a session id, and closing the sender's connection."""


class HeartbeatRunner(Protocol):
    """Keeps a session alive between `start` and `stop`."""

    def start(self, session_id: str, /) -> None:
        """Begin heartbeating `session_id` (must be called with a running event loop)."""
        ...

    async def stop(self) -> None:
        """Stop heartbeating; idempotent and prompt."""
        ...


class LoopHeartbeat:
    """Heartbeats as a task on the caller's event loop.

    Attributes:
        beats: Successful heartbeats so far.
        last_success: Clock time of the last successful heartbeat.
        finished: True once the server reported the session gone.
    """

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        clock: Clock,
        interval_s: float = 10.0,
        warn_after_s: float = 120.0,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        """Create a runner.

        Args:
            send: One ``POST /session_heartbeat`` (timeout 10 s, no retries); raises
                `GoneError` when the session is finished.
            clock: Time source.
            interval_s: Time between heartbeats.
            warn_after_s: Warn on each beat once no heartbeat succeeded for this long.
            logger: Where warnings go.
        """
        self._send = send
        self._clock = clock
        self._interval_s = interval_s
        self._warn_after_s = warn_after_s
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._task: asyncio.Task[None] | None = None
        self.beats = 0
        self.last_success = 0.0
        self.finished = False

    def start(self, session_id: str, /) -> None:
        """Start the heartbeat task (no-op when already running)."""
        if self._task is None or self._task.done():
            self.last_success = self._clock.monotonic()
            self._task = asyncio.get_running_loop().create_task(
                self._run(session_id), name=f"tinkex-heartbeat-{session_id}"
            )

    async def stop(self) -> None:
        """Cancel the task and wait for it to end."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))

    async def _run(self, session_id: str) -> None:
        while True:
            await self._clock.sleep(self._interval_s)
            try:
                await self._send(session_id)
            except GoneError as exc:
                self.finished = True
                _log_session_gone(self._log, session_id, exc)
                return
            except Exception as exc:  # noqa: BLE001 - a failed beat is retried next interval
                self._failed(session_id, exc)
            else:
                self.beats += 1
                self.last_success = self._clock.monotonic()

    def _failed(self, session_id: str, exc: Exception) -> None:
        silent_for = self._clock.monotonic() - self.last_success
        if silent_for > self._warn_after_s:
            self._log.warning(
                "session.heartbeat_failing",
                session_id=session_id,
                failing_for_s=round(silent_for),
                error_type=type(exc).__name__,
                detail="the server will terminate the session if this continues",
            )


class ThreadedHeartbeat:
    """Heartbeats from a daemon thread with its own event loop and connection.

    Attributes:
        beats: Successful heartbeats so far.
        lag_s: How late the most recent beat started, in seconds.
        max_lag_s: The largest lag seen.
        finished: True once the server reported the session gone.
    """

    def __init__(
        self,
        make_sender: Callable[[], HeartbeatSender],
        *,
        interval_s: float = 10.0,
        warn_after_s: float = 120.0,
        lag_warn_s: float = 0.5,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        """Create a runner.

        Args:
            make_sender: Called on the heartbeat thread, inside its event loop, to build the
                thread's own ``(send, aclose)`` (e.g. a small aiohttp session).
            interval_s: Time between heartbeats.
            warn_after_s: Warn on each beat once no heartbeat succeeded for this long.
            lag_warn_s: Warn when a beat starts later than this after its due time.
            logger: Where warnings go (structlog loggers are thread-safe).
        """
        self._make_sender = make_sender
        self._interval_s = interval_s
        self._warn_after_s = warn_after_s
        self._lag_warn_s = lag_warn_s
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: asyncio.Task[None] | None = None
        self.beats = 0
        self.lag_s = 0.0
        self.max_lag_s = 0.0
        self.finished = False

    def start(self, session_id: str, /) -> None:
        """Start the thread (no-op when already running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._main, args=(session_id,), name="tinkex-heartbeat", daemon=True
        )
        self._thread.start()

    async def stop(self) -> None:
        """Wake the thread, cancel a heartbeat in flight, and join the thread."""
        self._stop.set()
        loop, task = self._loop, self._inflight
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join)

    def _main(self, session_id: str) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            send, aclose = loop.run_until_complete(self._build_sender())
            try:
                self._beat_forever(loop, send, session_id)
            finally:
                loop.run_until_complete(aclose())
        except Exception:  # noqa: BLE001 - a dying daemon thread must say why
            self._log.exception("session.heartbeat_thread_failed", session_id=session_id)
        finally:
            self._loop = None
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _build_sender(self) -> HeartbeatSender:
        # Called inside the thread's running loop so that connections bind to it.
        return self._make_sender()

    def _beat_forever(
        self,
        loop: asyncio.AbstractEventLoop,
        send: Callable[[str], Awaitable[None]],
        session_id: str,
    ) -> None:
        last_success = due = time.monotonic()
        while True:
            due += self._interval_s
            if self._stop.wait(max(due - time.monotonic(), 0.0)):
                return
            now = time.monotonic()
            self._record_lag(now - due, session_id)
            due = max(due, now)  # a late beat resets the schedule instead of bursting
            try:
                self._inflight = loop.create_task(_call(send, session_id))
                loop.run_until_complete(self._inflight)
            except asyncio.CancelledError:
                return  # stop() cancelled the beat in flight
            except GoneError as exc:
                self.finished = True
                _log_session_gone(self._log, session_id, exc)
                return
            except Exception as exc:  # noqa: BLE001 - a failed beat is retried next interval
                silent_for = time.monotonic() - last_success
                if silent_for > self._warn_after_s:
                    self._log.warning(
                        "session.heartbeat_failing",
                        session_id=session_id,
                        failing_for_s=round(silent_for),
                        error_type=type(exc).__name__,
                    )
            else:
                self.beats += 1
                last_success = time.monotonic()
            finally:
                self._inflight = None

    def _record_lag(self, lag: float, session_id: str) -> None:
        self.lag_s = max(lag, 0.0)
        self.max_lag_s = max(self.max_lag_s, self.lag_s)
        if self.lag_s > self._lag_warn_s:
            self._log.warning("session.heartbeat_lagging", session_id=session_id, lag_s=self.lag_s)


async def _call(send: Callable[[str], Awaitable[None]], session_id: str) -> None:
    await send(session_id)


def _log_session_gone(log: FilteringBoundLogger, session_id: str, error: GoneError) -> None:
    # Heartbeats stop before the client finishes its own session, so a 410 here means the
    # server ended it (expired without heartbeats, or restarted): every later call will fail.
    log.warning(
        "session.expired",
        session_id=session_id,
        server_message=str(error),
        advice=(
            "create a new ServiceClient; resume training from the last saved state with "
            "create_training_client_from_state_with_optimizer(path)"
        ),
    )
