"""`CountSemaphore`: a FIFO counting semaphore whose acquire and release are O(1).

`asyncio.Semaphore` (Python 3.11) removes each waiter from its deque by value and scans the
deque for the next waiter on every release; with thousands of samples queued behind the
dispatch limit that is quadratic. Here a release hands its slot straight to the oldest live
waiter, and a cancelled waiter is simply skipped when its turn comes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["CountSemaphore"]


class CountSemaphore:
    """At most `value` holders at a time; waiters are served first come, first served.

    Args:
        value: The number of slots (at least 0).
    """

    def __init__(self, value: int) -> None:
        if value < 0:
            raise ValueError("a semaphore needs a non-negative value")
        self._value = value
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def available(self) -> int:
        """Free slots right now."""
        return self._value

    @property
    def waiting(self) -> int:
        """Waiters not yet served (cancelled ones may still be counted until skipped)."""
        return len(self._waiters)

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody waits (no coroutine, no suspension)."""
        if self._value > 0 and not self._waiters:
            self._value -= 1
            return True
        return False

    async def acquire(self) -> None:
        """Take a slot, waiting behind earlier waiters when none is free."""
        if self.try_acquire():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over just as we were cancelled: pass it on.
                self.release()
            raise

    def release(self) -> None:
        """Give a slot back: to the oldest live waiter, else to the pool."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._value += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
