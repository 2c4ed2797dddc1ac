"""Sampling dispatch limits, 429 backpressure, byte budgets and the retry handler."""

from __future__ import annotations

import asyncio
import random

import pytest
from flows_fakes import status

from tinkex.adapters.clock import FakeClock
from tinkex.domain.backoff import Backoff
from tinkex.errors import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    FutureTimeoutError,
    RateLimitError,
)
from tinkex.flows.backpressure import BackpressureConfig, SamplingDispatcher
from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.polling_state import PromiseExpiredError
from tinkex.flows.sampling_retry import (
    SamplingRetryConfig,
    SamplingRetryHandler,
    SamplingRetryHandlers,
    is_retryable_sampling_error,
)

MIB = 1024 * 1024


async def test_bytes_semaphore_waits_only_while_overdrawn() -> None:
    """Acquirers proceed while the counter is non-negative, even past the budget."""
    sem = BytesSemaphore(100)
    await sem.acquire(60)
    await sem.acquire(60)  # counter was 40 >= 0, so this proceeds and overdraws
    assert sem.available == -20
    third = asyncio.create_task(sem.acquire(10))
    await asyncio.sleep(0)
    assert not third.done()
    assert sem.waiting == 1
    sem.release(60)
    await third
    assert sem.available == 30


async def test_oversize_request_never_deadlocks() -> None:
    """A prompt larger than the whole budget proceeds alone; the next waits for it."""
    clock = FakeClock()
    dispatcher = SamplingDispatcher(BackpressureConfig(bytes_budget=MIB), clock=clock)
    release_big = asyncio.Event()
    order: list[str] = []

    async def big() -> str:
        order.append("big sent")
        await release_big.wait()
        return "big"

    async def small() -> str:
        order.append("small sent")
        return "small"

    big_task = asyncio.create_task(dispatcher.dispatch(5 * MIB, big))
    await asyncio.sleep(0)
    small_task = asyncio.create_task(dispatcher.dispatch(1000, small))
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["big sent"]
    release_big.set()
    assert (await big_task, await small_task) == ("big", "small")
    assert order == ["big sent", "small sent"]
    assert dispatcher.bytes.available == MIB


async def test_429_storm_slows_but_never_fails_the_caller() -> None:
    """Fifty 429s in a row each set a 1 s backoff; the caller still gets its result."""
    clock = FakeClock()
    dispatcher = SamplingDispatcher(clock=clock)
    replies: list[str | None] = [None] * 50 + ["accepted"]
    start = clock.monotonic()

    async def send() -> str | None:
        return replies.pop(0)

    assert await dispatcher.dispatch(1000, send) == "accepted"
    assert dispatcher.backoffs == 50
    assert clock.monotonic() - start == pytest.approx(50.0)
    assert set(clock.sleeps) == {1.0}


async def test_large_prompts_back_off_five_seconds() -> None:
    """A 429 on a prompt above 128 KiB backs off 5 s instead of 1 s."""
    clock = FakeClock()
    dispatcher = SamplingDispatcher(clock=clock)
    replies: list[str | None] = [None, "ok"]

    async def send() -> str | None:
        return replies.pop(0)

    start = clock.monotonic()
    await dispatcher.dispatch(128 * 1024 + 1, send)
    assert clock.monotonic() - start == pytest.approx(5.0)
    assert dispatcher.set_backoff(128 * 1024) == 1.0


async def test_backoff_weights_bytes_and_throttles_until_ten_seconds_after_deadline() -> None:
    """After a 429, new dispatches weigh x20 and share 10 slots; 10 s past the deadline, not."""
    clock = FakeClock(auto_advance=False)
    dispatcher = SamplingDispatcher(clock=clock)
    dispatcher.set_backoff(1000)  # deadline = now + 1 s
    clock.advance(1.0)  # backoff over, but still "recent"
    gate = asyncio.Event()
    seen_available: list[int] = []

    async def send() -> str:
        seen_available.append(dispatcher.bytes.available)
        await gate.wait()
        return "ok"

    tasks = [asyncio.create_task(dispatcher.dispatch(1000, send)) for _ in range(15)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert dispatcher.sending == 10  # the throttle lets ten onto the wire
    assert dispatcher.in_flight == 15
    assert seen_available[0] == 10 * MIB - 20 * 1000  # x20 weight
    gate.set()
    await asyncio.gather(*tasks)
    assert dispatcher.bytes.available == 10 * MIB

    clock.advance(9.9)
    assert dispatcher.backoff_recent()
    clock.advance(0.2)
    assert not dispatcher.backoff_recent()
    gate.clear()
    seen_available.clear()
    tasks = [asyncio.create_task(dispatcher.dispatch(1000, send)) for _ in range(15)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert dispatcher.sending == 15  # no throttle any more
    assert seen_available[0] == 10 * MIB - 1000  # normal weight
    gate.set()
    await asyncio.gather(*tasks)


async def test_count_semaphore_bounds_concurrent_dispatches() -> None:
    """At most `max_concurrent` submissions are in flight."""
    clock = FakeClock()
    dispatcher = SamplingDispatcher(BackpressureConfig(max_concurrent=3), clock=clock)
    gate = asyncio.Event()

    async def send() -> int:
        await gate.wait()
        return 1

    tasks = [asyncio.create_task(dispatcher.dispatch(10, send)) for _ in range(8)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert dispatcher.in_flight == 3
    gate.set()
    assert sum(await asyncio.gather(*tasks)) == 8


def test_retry_handler_backoff_is_the_official_one_by_default() -> None:
    """0.5 s doubling to 10 s with up to 25 % removed (the formula is tested in test_backoff)."""
    assert SamplingRetryConfig().backoff == Backoff(base_s=0.5, max_s=10.0, jitter=0.25)


def test_retryable_sampling_errors() -> None:
    """Connection/timeouts, 408/409/429/5xx and expired promises retry; others do not."""
    retryable = [
        APIConnectionError("x"),
        APITimeoutError("x"),
        status(408),
        status(409),
        status(429),
        status(503),
        PromiseExpiredError(request_id="r", request_type="Sample"),
    ]
    final = [status(400), status(404), BadRequestError("x", status=400), ValueError("x")]
    final.append(
        FutureTimeoutError(
            request_id="r",
            request_type="Sample",
            timeout_s=1,
            last_queue_state=None,
            seconds_since_last_response=None,
        )
    )
    assert all(is_retryable_sampling_error(e) for e in retryable)
    assert not any(is_retryable_sampling_error(e) for e in final)


async def test_retry_handler_rides_out_a_429_storm() -> None:
    """Fifty RateLimitErrors are retried with capped delays; the caller gets the result."""
    clock = FakeClock()
    handler = SamplingRetryHandler(clock=clock, rng=random.Random(0))
    failures = 50

    async def attempt() -> str:
        nonlocal failures
        if failures:
            failures -= 1
            raise status(429)
        return "sampled"

    assert await handler.execute(attempt) == "sampled"
    assert handler.retries == 50
    retry_sleeps = [s for s in clock.sleeps if s != 7200.0]  # the watchdog sleeps too
    assert len(retry_sleeps) == 50
    assert max(retry_sleeps) <= 10.0
    assert retry_sleeps[0] <= 0.625


async def test_retry_handler_raises_non_retryable_errors_at_once() -> None:
    """A 400 is raised on the first attempt."""
    clock = FakeClock()
    handler = SamplingRetryHandler(clock=clock)
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        raise status(400)

    with pytest.raises(BadRequestError):
        await handler.execute(attempt)
    assert calls == 1


async def test_retry_handler_semaphore_bounds_concurrency() -> None:
    """`max_connections` operations run at once."""
    clock = FakeClock()
    handler = SamplingRetryHandler(SamplingRetryConfig(max_connections=2), clock=clock)
    running = peak = 0

    async def attempt() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await clock.sleep(1)
        running -= 1

    await asyncio.gather(*(handler.execute(attempt) for _ in range(6)))
    assert peak == 2


async def test_stuck_detection_fails_after_progress_timeout() -> None:
    """An operation that never finishes fails with "No progress made" after the timeout."""
    clock = FakeClock()
    handler = SamplingRetryHandler(SamplingRetryConfig(progress_timeout_s=300), clock=clock)
    start = clock.monotonic()

    async def hang() -> None:
        await asyncio.Event().wait()

    with pytest.raises(APIConnectionError, match="No progress made in 300s"):
        await handler.execute(hang)
    assert clock.monotonic() - start == pytest.approx(300)
    assert handler.active == 0


async def test_progress_elsewhere_postpones_stuck_detection() -> None:
    """Completions of other operations in the same handler push the stuck deadline out."""
    clock = FakeClock()
    handler = SamplingRetryHandler(SamplingRetryConfig(progress_timeout_s=100), clock=clock)
    start = clock.monotonic()

    async def hang() -> None:
        await asyncio.Event().wait()

    async def after_60() -> None:
        await clock.sleep(60)

    async def after_120() -> None:
        await clock.sleep(120)

    stuck = asyncio.create_task(handler.execute(hang))
    await asyncio.gather(handler.execute(after_60), handler.execute(after_120))
    with pytest.raises(APIConnectionError):
        await stuck
    assert clock.monotonic() - start == pytest.approx(220)


def test_handlers_are_shared_per_sampling_session() -> None:
    """Clients of one sampling session share one handler (and its semaphore)."""
    handlers = SamplingRetryHandlers(clock=FakeClock())
    assert handlers.for_session("s1") is handlers.for_session("s1")
    assert handlers.for_session("s1") is not handlers.for_session("s2")


async def test_dispatcher_and_retry_handler_compose_under_mixed_faults() -> None:
    """429s at submission and 5xx/timeouts while polling still end in a result."""
    clock = FakeClock()
    dispatcher = SamplingDispatcher(clock=clock)
    handler = SamplingRetryHandler(clock=clock, rng=random.Random(1))
    submit_replies: list[str | None] = [None, None, "fut", None, "fut"]
    poll_outcomes: list[Exception | None] = [status(502), None]

    async def one_attempt() -> str:
        accepted = await dispatcher.dispatch(500, lambda: _pop(submit_replies))
        outcome = poll_outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return accepted

    assert await handler.execute(one_attempt) == "fut"
    assert dispatcher.backoffs == 3
    assert isinstance(status(429), RateLimitError)


async def _pop(replies: list[str | None]) -> str | None:
    return replies.pop(0)
