"""The holder-wide 429 backoff slows the holder down without serialising it (issue 15.4)."""

from __future__ import annotations

import asyncio
import random

import pytest

from tinkex.adapters.clock import FakeClock
from tinkex.domain.backoff import Backoff
from tinkex.flows.backpressure import BackpressureConfig, SamplingDispatcher

KIB = 1024


async def test_a_wave_of_refusals_costs_one_backoff_not_one_per_429() -> None:
    """400 concurrent submissions, 30 % refused each time: one 1 s backoff per wave.

    The official dispatcher moves the holder-wide deadline on every 429 and admits only ten
    submissions at a time while backing off, so this took about as many seconds as there
    were 429s; here it takes one second per wave of resends.
    """
    clock = FakeClock()
    dispatcher = SamplingDispatcher(clock=clock)
    rng = random.Random(15)
    sent = 0

    async def send() -> str | None:
        nonlocal sent
        sent += 1
        await asyncio.sleep(0)  # the answer arrives after the other sends went out
        return None if rng.random() < 0.3 else "accepted"

    start = clock.monotonic()
    results = await asyncio.gather(*(dispatcher.dispatch(1000, send) for _ in range(400)))
    elapsed = clock.monotonic() - start
    assert results == ["accepted"] * 400
    assert sent == 400 + dispatcher.backoffs
    assert dispatcher.backoffs > 100  # ~0.3 * 400 / 0.7 = 171 refusals expected
    assert 3 <= dispatcher.waves <= 10  # ~log(400) / log(1 / 0.3) rounds of resends
    assert elapsed == pytest.approx(dispatcher.waves * 1.0)
    assert dispatcher.in_flight == 0
    assert dispatcher.bytes.available == dispatcher.config.bytes_budget


async def test_waiting_for_the_deadline_holds_no_throttle_slot() -> None:
    """Fifty submissions arriving during a backoff all go out when it ends, ten at a time."""
    clock = FakeClock()
    dispatcher = SamplingDispatcher(clock=clock)
    dispatcher.set_backoff(1000)
    on_wire = peak = 0

    async def send() -> str:
        nonlocal on_wire, peak
        on_wire += 1
        peak = max(peak, on_wire)
        await asyncio.sleep(0)
        on_wire -= 1
        return "accepted"

    start = clock.monotonic()
    await asyncio.gather(*(dispatcher.dispatch(1000, send) for _ in range(50)))
    assert clock.monotonic() - start == pytest.approx(1.0)  # one wait, not five
    assert peak == 10  # still throttled on the wire while the backoff is recent


async def test_backoff_grows_only_while_every_resend_is_refused_and_starts_over() -> None:
    """Four refusals in a row wait 1, 2, 4, 8 s; after an acceptance the next waits 1 s."""
    clock = FakeClock()
    config = BackpressureConfig(small_backoff=Backoff(base_s=1.0, max_s=8.0))
    dispatcher = SamplingDispatcher(config, clock=clock)
    replies: list[str | None] = [None, None, None, None, "first", None, "second"]

    async def send() -> str | None:
        return replies.pop(0)

    assert await dispatcher.dispatch(100, send) == "first"
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    clock.sleeps.clear()
    assert await dispatcher.dispatch(100, send) == "second"
    assert clock.sleeps == [1.0]


async def test_a_large_wave_mate_makes_the_backoff_last_its_own_delay() -> None:
    """A small prompt's 429 starts a 1 s backoff; a large one refused in that wave makes it 5 s."""
    clock = FakeClock(auto_advance=False)
    dispatcher = SamplingDispatcher(clock=clock)
    gate = asyncio.Event()

    async def refused() -> str | None:
        await gate.wait()
        return None

    small = asyncio.create_task(dispatcher.dispatch(KIB, refused))
    large = asyncio.create_task(dispatcher.dispatch(200 * KIB, refused))
    for _ in range(5):
        await asyncio.sleep(0)
    gate.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert dispatcher.waves == 1
    assert dispatcher.backoffs == 2
    assert dispatcher.backoff_until == pytest.approx(clock.monotonic() + 5.0)
    small.cancel()
    large.cancel()
    await asyncio.gather(small, large, return_exceptions=True)
