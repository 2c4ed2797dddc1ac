"""One task fires every future deadline (`DeadlineTimers`), in virtual time."""

from __future__ import annotations

import asyncio

from tinkex.adapters.clock import FakeClock
from tinkex.flows.deadline_timers import DeadlineTimers


async def wait_until_cancelled(timers: DeadlineTimers, seconds: float) -> str:
    """Arm a deadline, wait forever; say what ended the wait."""
    timer = timers.arm(seconds)
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        if DeadlineTimers.expired(timer):
            return "deadline"
        raise
    finally:
        timers.disarm(timer)
    return "never"


async def test_a_deadline_cancels_its_task_and_says_so() -> None:
    """The task is cancelled at its deadline and `expired` tells it apart."""
    clock = FakeClock(auto_advance=False)
    timers = DeadlineTimers(clock)
    task = asyncio.create_task(wait_until_cancelled(timers, 5))
    await asyncio.sleep(0)
    clock.advance(4.9)
    await asyncio.sleep(0)
    assert not task.done()
    clock.advance(0.2)
    assert await task == "deadline"


async def test_another_cancellation_is_not_taken_for_the_deadline() -> None:
    """A caller's own cancel stays a cancellation."""
    timers = DeadlineTimers(FakeClock(auto_advance=False))
    task = asyncio.create_task(wait_until_cancelled(timers, 5))
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.wait((task,))
    assert task.cancelled()


async def test_an_earlier_deadline_armed_later_still_fires_first() -> None:
    """A shorter deadline than the one the runner sleeps towards is honoured."""
    clock = FakeClock(auto_advance=False)
    timers = DeadlineTimers(clock)
    slow = asyncio.create_task(wait_until_cancelled(timers, 100))
    await asyncio.sleep(0)
    fast = asyncio.create_task(wait_until_cancelled(timers, 1))
    await asyncio.sleep(0)
    clock.advance(1)
    assert await fast == "deadline"
    assert not slow.done()
    clock.advance(99)
    assert await slow == "deadline"


async def test_no_task_is_left_once_every_timer_is_disarmed() -> None:
    """The runner exists only while a deadline is armed; disarmed timers do not pile up."""
    timers = DeadlineTimers(FakeClock(auto_advance=False))
    before = len(asyncio.all_tasks())
    keeper = timers.arm(3600)
    for _ in range(5000):
        timers.disarm(timers.arm(3600))
    assert len(timers._heap) <= 2048
    timers.disarm(keeper)
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before


async def test_a_burst_of_arms_starts_one_runner_that_fires_them_all() -> None:
    """Timers armed in one loop iteration share one runner, the earliest first."""
    clock = FakeClock(auto_advance=False)
    timers = DeadlineTimers(clock)
    # Longest first: each later one is earlier than every deadline armed before it.
    tasks = [asyncio.create_task(wait_until_cancelled(timers, s)) for s in (30, 20, 10)]
    await asyncio.sleep(0)
    runners = [t for t in asyncio.all_tasks() if t.get_name() == "tinkex-future-deadlines"]
    assert len(runners) == 1
    clock.advance(10)
    assert await tasks[2] == "deadline"
    assert not tasks[0].done()
    assert not tasks[1].done()
    clock.advance(10)
    assert await tasks[1] == "deadline"
    clock.advance(10)
    assert await tasks[0] == "deadline"
