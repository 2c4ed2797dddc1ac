"""Stuck detection with one watchdog per handler: the operation runs in the caller's task."""

from __future__ import annotations

import asyncio

import pytest

from tinkex.adapters.clock import FakeClock
from tinkex.errors import APIConnectionError
from tinkex.flows.sampling_retry import SamplingRetryConfig, SamplingRetryHandler


async def test_concurrent_operations_share_one_watchdog_task() -> None:
    """N running operations add one task in total, and none is left once they finish."""
    clock = FakeClock()
    handler = SamplingRetryHandler(SamplingRetryConfig(progress_timeout_s=60), clock=clock)
    release = asyncio.Event()

    async def work() -> int:
        await release.wait()
        return 1

    def watchdogs() -> int:
        return sum(
            getattr(task.get_coro(), "__qualname__", "") == "SamplingRetryHandler._watch"
            for task in asyncio.all_tasks()
        )

    runners = [asyncio.create_task(handler.execute(work)) for _ in range(20)]
    await asyncio.sleep(0)
    peak = watchdogs()
    release.set()
    assert await asyncio.gather(*runners) == [1] * 20
    await asyncio.sleep(0)
    assert peak == 1
    assert watchdogs() == 0


async def test_a_stall_fails_every_running_operation_and_leaves_tasks_usable() -> None:
    """All stalled operations fail with the stuck error; their tasks are not left cancelling."""
    clock = FakeClock()
    handler = SamplingRetryHandler(SamplingRetryConfig(progress_timeout_s=30), clock=clock)
    cancelling: list[int] = []

    async def hang() -> None:
        await asyncio.Event().wait()

    async def run() -> str:
        try:
            await handler.execute(hang)
        except APIConnectionError as exc:
            task = asyncio.current_task()
            assert task is not None
            cancelling.append(task.cancelling())
            await asyncio.sleep(0)  # the task still runs normally afterwards
            return str(exc)
        return "finished"

    results = await asyncio.gather(run(), run(), run())
    assert all("No progress made in 30s" in text for text in results)
    assert cancelling == [0, 0, 0]
    assert handler.active == 0


async def test_an_outside_cancellation_is_not_reported_as_stuck() -> None:
    """Cancelling the caller cancels the operation; it is not turned into the stuck error."""
    clock = FakeClock()
    handler = SamplingRetryHandler(SamplingRetryConfig(progress_timeout_s=30), clock=clock)
    started = asyncio.Event()

    async def hang() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(handler.execute(hang))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert handler.active == 0
