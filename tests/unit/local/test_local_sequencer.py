from __future__ import annotations

import asyncio

from tinkex.adapters.clock import FakeClock
from tinkex.local.ordering import Sequencer


async def _run(seq: Sequencer, seq_id: int | None, log: list[int | None]) -> None:
    await seq.turn(seq_id)
    log.append(seq_id)
    await asyncio.sleep(0)
    seq.release(seq_id)


async def test_requests_run_in_seq_order_whatever_the_arrival_order() -> None:
    """Arrivals 3, 1, 2 run as 0-created model's steps 1, 2, 3."""
    clock = FakeClock(auto_advance=False)
    seq = Sequencer(clock, gap_timeout_s=60)
    seq.applied = 0
    log: list[int | None] = []
    tasks = [asyncio.create_task(_run(seq, s, log)) for s in (3, 1, 2)]
    await asyncio.gather(*tasks)
    assert log == [1, 2, 3]
    assert seq.skipped == []


async def test_a_gap_is_skipped_after_the_timeout() -> None:
    """With step 2 missing, step 3 waits the gap timeout on the clock, then runs."""
    clock = FakeClock(auto_advance=False)
    seq = Sequencer(clock, gap_timeout_s=10)
    seq.applied = 1
    log: list[int | None] = []
    task = asyncio.create_task(_run(seq, 3, log))
    for _ in range(5):
        await asyncio.sleep(0)
    clock.advance(5)
    for _ in range(5):
        await asyncio.sleep(0)
    assert log == []
    for _ in range(6):
        clock.advance(1)
        for _ in range(5):
            await asyncio.sleep(0)
    await task
    assert log == [3]
    assert seq.skipped == [2]
