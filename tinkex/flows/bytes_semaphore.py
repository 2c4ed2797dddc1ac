"""A byte budget that never deadlocks on an oversize request (it proceeds alone, overdrawing)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["BytesSemaphore"]


class BytesSemaphore:
    """A counter of bytes in flight.

    `acquire(n)` waits only while the counter is negative, then subtracts `n`. A request
    larger than the whole budget therefore still proceeds alone (the counter goes negative
    and later requests wait for it), which is what keeps one huge prompt from waiting forever.
    `release` is synchronous so that it is safe in `finally` blocks of cancelled tasks.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._value = capacity
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def capacity(self) -> int:
        """The configured budget."""
        return self._capacity

    @property
    def available(self) -> int:
        """Bytes left in the budget (negative while an oversize request holds it)."""
        return self._value

    @property
    def waiting(self) -> int:
        """How many acquirers are blocked right now."""
        return len(self._waiters)

    def try_acquire(self, n: int) -> bool:
        """Take `n` bytes if the budget is not overdrawn, without waiting; False otherwise."""
        if self._value < 0:
            return False
        self._value -= n
        return True

    async def acquire(self, n: int) -> None:
        """Take `n` bytes, waiting while the budget is overdrawn.

        Args:
            n: Bytes to take (may exceed the capacity).
        """
        while self._value < 0:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                self._waiters.remove(waiter)
        self._value -= n

    def release(self, n: int) -> None:
        """Give `n` bytes back and wake the waiters once the budget is no longer overdrawn."""
        self._value += n
        if self._value >= 0:
            # Wake everyone: each re-checks the counter, so a waiter that loses the race
            # simply waits again (like a Condition's notify_all).
            for waiter in self._waiters:
                if not waiter.done():
                    waiter.set_result(None)

    @asynccontextmanager
    async def hold(self, n: int) -> AsyncIterator[None]:
        """Acquire `n` bytes for the duration of the block."""
        await self.acquire(n)
        try:
            yield
        finally:
            self.release(n)
