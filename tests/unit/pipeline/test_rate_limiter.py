"""The token-bucket rate limiter, in virtual time."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from pipeline_fakes import CREATE_MODEL, Created, make_invoker, ok

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.flows.features import RateLimiterConfig
from tinkex.flows.rate_limiter import RateLimiter

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest, HttpResponse


async def test_burst_goes_at_once_then_one_per_interval() -> None:
    """burst=2, rate=1/s: five callers start at t, t, t+1, t+2, t+3."""
    clock = FakeClock()
    start = clock.monotonic()
    limiter = RateLimiter(RateLimiterConfig(rate_per_s=1.0, burst=2), clock=clock)
    started: list[float] = []

    async def call() -> None:
        await limiter.acquire()
        started.append(clock.monotonic() - start)

    await asyncio.gather(*(call() for _ in range(5)))
    assert started == [0.0, 0.0, 1.0, 2.0, 3.0]


async def test_idle_time_refills_only_up_to_the_burst() -> None:
    """After a long pause only `burst` calls pass without waiting."""
    clock = FakeClock(auto_advance=False)
    limiter = RateLimiter(RateLimiterConfig(rate_per_s=4.0, burst=3), clock=clock)
    for _ in range(3):
        await limiter.acquire()
    clock.advance(100.0)
    assert limiter.available == 3.0
    for _ in range(3):
        await limiter.acquire()
    assert limiter.available == 0.0


async def test_a_cancelled_waiter_returns_its_token() -> None:
    """Cancelling a queued caller does not delay the ones behind it."""
    clock = FakeClock(auto_advance=False)
    limiter = RateLimiter(RateLimiterConfig(rate_per_s=1.0, burst=1), clock=clock)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    assert limiter.available == -1.0
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiter.available == 0.0


def test_rate_and_burst_must_be_positive() -> None:
    """A limiter that could never admit anything is rejected at construction."""
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(RateLimiterConfig(rate_per_s=0.0, burst=1), clock=FakeClock())


async def test_pipeline_spaces_attempts_by_the_rate() -> None:
    """Three calls on a 2/s bucket of size 1 go out 0.5 s apart."""
    clock = FakeClock()
    start = clock.monotonic()
    sent_at: list[float] = []

    def handler(request: HttpRequest) -> HttpResponse:
        sent_at.append(clock.monotonic() - start)
        return ok()

    transport = InMemoryTransport()
    transport.route("POST", ".*/create_model", handler)
    limiter = RateLimiter(RateLimiterConfig(rate_per_s=2.0, burst=1), clock=clock)
    invoker = make_invoker(transport, clock, limiters={CREATE_MODEL.name: limiter})
    for _ in range(3):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert sent_at == [0.0, 0.5, 1.0]
