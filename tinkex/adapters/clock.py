"""Clock adapters: the real event-loop clock and a virtual-time fake for tests."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["FakeClock", "SystemClock"]


class SystemClock:
    """The real clock: `time.monotonic` and `asyncio.sleep`."""

    # The builtins themselves rather than methods wrapping them: a sample reads the clock
    # about ten times, and a Python frame per read was measurable in a fan-out.
    monotonic = staticmethod(time.monotonic)
    """Seconds on the monotonic clock."""
    time = staticmethod(time.time)
    """Seconds since the epoch."""

    async def sleep(self, seconds: float, /) -> None:
        """Sleep on the running loop."""
        await asyncio.sleep(max(seconds, 0.0))


class FakeClock:
    """Virtual time: `sleep` parks the caller until `advance` moves time past its deadline.

    With `auto_advance=True` (the default) a sleeper that is the only thing left to run makes
    time jump straight to the earliest deadline, so code full of backoffs finishes instantly
    while still observing the right order of events. `sleeps` records every requested delay.

    The loop cannot tell a task waiting on a thread or a socket from one with nothing to do,
    so work that takes real time (a request answered by a server doing model work on its
    threads) runs inside `hold()`; time does not jump while any hold is open.
    """

    def __init__(self, start: float = 1_000.0, *, auto_advance: bool = True) -> None:
        self._now = start
        self._epoch_offset = 1_700_000_000.0 - start
        self._auto_advance = auto_advance
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()
        self._driver: asyncio.Task[None] | None = None
        self._holds = 0
        self._released: asyncio.Future[None] | None = None
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The virtual monotonic time."""
        return self._now

    def time(self) -> float:
        """Virtual wall-clock time."""
        return self._now + self._epoch_offset

    async def sleep(self, seconds: float, /) -> None:
        """Park until virtual time reaches now + seconds."""
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._counter), waiter))
        if self._auto_advance and (self._driver is None or self._driver.done()):
            self._driver = loop.create_task(self._drive())
        await waiter

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep auto-advance from jumping while real (not virtual) work is in progress."""
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            released = self._released
            if self._holds == 0 and released is not None and not released.done():
                released.set_result(None)

    def advance(self, seconds: float) -> None:
        """Move virtual time forward and wake every sleeper whose deadline passed."""
        self._now += seconds
        self._wake_due()

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, waiter = heapq.heappop(self._sleepers)
            if not waiter.done():
                waiter.set_result(None)

    async def _drive(self) -> None:
        # Let every runnable task make progress first; only when the loop would otherwise idle
        # on our sleepers does virtual time jump to the next deadline.
        while self._sleepers:
            for _ in range(50):
                await asyncio.sleep(0)
            if self._holds:
                self._released = asyncio.get_running_loop().create_future()
                await self._released
                continue  # let what the finished work woke up run before deciding
            self._sleepers = [s for s in self._sleepers if not s[2].done()]
            heapq.heapify(self._sleepers)
            if not self._sleepers:
                return
            self._now = max(self._now, self._sleepers[0][0])
            self._wake_due()
