"""The O(1) FIFO semaphore behind the sampling dispatch and retry-handler limits."""

from __future__ import annotations

import asyncio

import pytest

from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.count_semaphore import CountSemaphore


async def test_holders_never_exceed_the_value_and_waiters_go_in_order() -> None:
    """With 2 slots and 6 contenders, at most 2 hold at once, served first come first."""
    sem = CountSemaphore(2)
    holding = peak = 0
    order: list[int] = []

    async def use(index: int) -> None:
        nonlocal holding, peak
        async with sem:
            order.append(index)
            holding += 1
            peak = max(peak, holding)
            await asyncio.sleep(0)
            holding -= 1

    await asyncio.gather(*(use(i) for i in range(6)))
    assert peak == 2
    assert order == list(range(6))
    assert sem.available == 2


async def test_a_cancelled_waiter_leaks_no_slot() -> None:
    """Cancelling a queued waiter leaves the count intact and later waiters still run."""
    sem = CountSemaphore(1)
    assert sem.try_acquire()
    assert not sem.try_acquire()
    cancelled = asyncio.create_task(sem.acquire())
    later = asyncio.create_task(sem.acquire())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    sem.release()
    await later
    sem.release()
    assert sem.available == 1


async def test_a_slot_handed_to_a_cancelled_waiter_is_passed_on() -> None:
    """A waiter cancelled right after receiving the slot gives it to the next one."""
    sem = CountSemaphore(1)
    await sem.acquire()
    first = asyncio.create_task(sem.acquire())
    second = asyncio.create_task(sem.acquire())
    await asyncio.sleep(0)
    sem.release()  # hands the slot to `first`...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, timeout=1)
    sem.release()
    assert sem.available == 1


def test_a_negative_value_is_refused() -> None:
    """A semaphore cannot start below zero."""
    with pytest.raises(ValueError, match="non-negative"):
        CountSemaphore(-1)


def test_bytes_try_acquire_matches_the_waiting_rule() -> None:
    """Bytes are taken without waiting unless the budget is already overdrawn."""
    sem = BytesSemaphore(100)
    assert sem.try_acquire(150)
    assert sem.available == -50
    assert not sem.try_acquire(1)
    sem.release(150)
    assert sem.try_acquire(1)
