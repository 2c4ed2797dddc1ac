"""Session liveness: heartbeats, expiry, and not blaming clients for the loop's own stalls.

Run in-process, the backend shares its event loop with the client's heartbeat task: user code
that blocks the loop (a long ``time.sleep`` in a coroutine) silences the heartbeat *and* the
backend alike, and on waking the backend would find the session long expired. So expiry is
measured on a *live* clock that stops while the loop could not run. A sweeper task ticks at a
fixed interval; whatever it wakes late by is time the loop was stalled, and that time is
subtracted. A client that really goes silent (its own process stopped, the loop alive) still
expires on time, with a WARNING naming the session and how long it was silent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.ports.clock import Clock

__all__ = ["LoopStallMeter", "SessionLiveness"]

_log = logging.getLogger("tinkex.local")
_MAX_TICK_S = 1.0
_TICKS_PER_TTL = 8


class LoopStallMeter:
    """Measures how long the event loop could not run, by how late its own ticks wake.

    Args:
        clock: Time source.
        tick_s: Interval of `tick`.
    """

    def __init__(self, clock: Clock, tick_s: float) -> None:
        self._clock = clock
        self.tick_s = tick_s
        self.stalled_s = 0.0
        self._due: float | None = None

    def _pending(self, now: float) -> float:
        # Past its due time the tick has not run: the loop is only now running again.
        return 0.0 if self._due is None else max(0.0, now - self._due)

    def now(self) -> float:
        """Monotonic time that stood still while the loop was stalled."""
        now = self._clock.monotonic()
        return now - self.stalled_s - self._pending(now)

    def arm(self) -> None:
        """Start measuring now: the next `tick` is due one interval from here.

        Called when the ticking task is created, so a stall before that task first runs
        (user code blocking the loop right after a session starts) still counts.
        """
        if self._due is None:
            self._due = self._clock.monotonic() + self.tick_s

    async def tick(self) -> None:
        """Sleep until the tick is due, then book any lateness of the wake-up as stalled."""
        self.arm()
        assert self._due is not None
        try:
            await self._clock.sleep(self._due - self._clock.monotonic())
            self.stalled_s += self._pending(self._clock.monotonic())
        finally:
            self._due = None


class SessionLiveness:
    """Heartbeats of live sessions and their expiry on the stall-free clock.

    Args:
        clock: Time source.
        ttl_s: A session silent this long (on the live clock) expires; None: never.
    """

    def __init__(self, clock: Clock, ttl_s: float | None) -> None:
        self.ttl_s = ttl_s
        tick = _MAX_TICK_S if ttl_s is None else min(_MAX_TICK_S, ttl_s / _TICKS_PER_TTL)
        self.meter = LoopStallMeter(clock, tick)
        self._last: dict[str, float] = {}
        self._expired_after: dict[str, float] = {}
        self._on_expired: Callable[[str], None] | None = None
        self._task: asyncio.Task[None] | None = None

    def beat(self, session_id: str) -> None:
        """Record a heartbeat (or the session's creation)."""
        self._last[session_id] = self.meter.now()
        self._ensure_sweeper()

    def watch(self, on_expired: Callable[[str], None]) -> None:
        """Sweep live sessions in the background, calling `on_expired` for each that expires.

        Also turns on the stall measurement. Front ends call it (HTTP and in-process); without
        it expiry is only noticed when a request names the session, and stalls not measured.
        """
        self._on_expired = on_expired
        self._ensure_sweeper()

    def overdue(self, session_id: str) -> float | None:
        """How long a session has been silent, when that is longer than the TTL (else None)."""
        if self.ttl_s is None:
            return None
        now = self.meter.now()
        silent = now - self._last.setdefault(session_id, now)
        return silent if silent > self.ttl_s else None

    def expire(self, session_id: str, silent_s: float) -> None:
        """Forget a session that expired after `silent_s` without a heartbeat, and say so."""
        self._last.pop(session_id, None)
        self._expired_after[session_id] = silent_s
        _log.warning(
            "session %s expired: no heartbeat for %.1f s (session TTL %g s); "
            "later requests on it answer 410",
            session_id,
            silent_s,
            self.ttl_s,
        )

    def forget(self, session_id: str) -> None:
        """Stop watching a session that ended."""
        self._last.pop(session_id, None)

    def gone_detail(self, session_id: str, status: str) -> str:
        """The 410 detail for a session that is no longer active."""
        if status != "expired":
            return f"session {session_id} is {status}"
        silent = self._expired_after.get(session_id)
        if silent is None:
            return f"session {session_id} expired: no heartbeat within the session TTL"
        return (
            f"session {session_id} expired: no heartbeat for {silent:.1f} s "
            f"(session TTL {self.ttl_s:g} s)"
        )

    def _ensure_sweeper(self) -> None:
        if self.ttl_s is None or self._on_expired is None or not self._last:
            return
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self.meter.arm()
            self._task = loop.create_task(self._sweep(), name="tinkex-local-session-sweeper")

    async def _sweep(self) -> None:
        # Ends when no session is left to watch; the next heartbeat starts it again.
        while self._last:
            await self.meter.tick()
            for session_id in list(self._last):
                if self.overdue(session_id) is not None and self._on_expired is not None:
                    self._on_expired(session_id)

    async def aclose(self) -> None:
        """Stop the sweeper."""
        task, self._task = self._task, None
        self._on_expired = None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
