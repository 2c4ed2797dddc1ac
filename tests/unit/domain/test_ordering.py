"""Tests for request-id reservation and ordered submission turns."""

from __future__ import annotations

import asyncio
import pickle
import random

import pytest

from tinkex.domain.ordering import PoisonedClientError, TurnSequencer
from tinkex.errors import ClosedError, ValidationError


async def _settle() -> None:
    """Let every runnable task make progress (no real time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


def test_reserve_hands_out_consecutive_ids_from_zero() -> None:
    seq = TurnSequencer()
    assert [seq.reserve(), seq.reserve(3), seq.reserve(), seq.next_id] == [0, 1, 4, 5]


def test_reserve_rejects_empty_ranges() -> None:
    with pytest.raises(ValidationError) as info:
        TurnSequencer().reserve(0)
    assert info.value.field == "n"


@pytest.mark.parametrize("seed", range(5))
async def test_submissions_happen_in_id_order_whatever_order_tasks_start(seed: int) -> None:
    seq = TurnSequencer()
    rng = random.Random(seed)
    submitted: list[int] = []
    ops = []
    for _ in range(40):
        count = rng.randint(1, 3)
        ops.append((seq.reserve(count), count, rng.randint(0, 3)))

    async def submit(first: int, count: int, yields: int) -> None:
        async with seq.turn(first, count):
            submitted.append(first)
            for _ in range(yields):  # a submission that awaits the network a few times
                await asyncio.sleep(0)

    rng.shuffle(ops)
    await asyncio.gather(*(submit(*op) for op in ops))
    assert submitted == sorted(first for first, _, _ in ops)
    assert seq.current_turn == seq.next_id


async def test_turn_advances_when_the_submission_returns_not_later() -> None:
    seq = TurnSequencer()
    first, second = seq.reserve(), seq.reserve()
    async with seq.turn(first):
        assert seq.current_turn == 0
    assert seq.current_turn == 1
    async with seq.turn(second):
        pass
    assert seq.current_turn == 2


async def test_a_failed_submission_does_not_wedge_later_ones() -> None:
    seq = TurnSequencer()
    first, second = seq.reserve(), seq.reserve()
    later = asyncio.create_task(_enter_and_record(seq, second, []))
    with pytest.raises(RuntimeError, match="boom"):
        async with seq.turn(first):
            raise RuntimeError("boom")
    await asyncio.wait_for(later, timeout=5)
    assert seq.current_turn == 2


async def _enter_and_record(seq: TurnSequencer, first: int, log: list[int]) -> None:
    async with seq.turn(first):
        log.append(first)


async def test_a_waiter_cancelled_before_its_turn_is_skipped() -> None:
    seq = TurnSequencer()
    ids = [seq.reserve() for _ in range(3)]
    log: list[int] = []
    gate = asyncio.Event()

    async def first_op() -> None:
        async with seq.turn(ids[0]):
            await gate.wait()
            log.append(ids[0])

    head = asyncio.create_task(first_op())
    doomed = asyncio.create_task(_enter_and_record(seq, ids[1], log))
    tail = asyncio.create_task(_enter_and_record(seq, ids[2], log))
    await _settle()
    doomed.cancel()
    await _settle()
    assert log == []
    gate.set()
    await asyncio.wait_for(asyncio.gather(head, tail), timeout=5)
    assert doomed.cancelled()
    assert log == [0, 2]


async def test_abandoned_ids_let_later_turns_proceed() -> None:
    seq = TurnSequencer()
    unused = seq.reserve(2)
    log: list[int] = []
    task = asyncio.create_task(_enter_and_record(seq, seq.reserve(), log))
    await _settle()
    assert log == []
    seq.abandon(unused, 2)
    await asyncio.wait_for(task, timeout=5)
    assert log == [2]


async def test_range_members_proceed_together_and_the_range_advances_after_the_last() -> None:
    seq = TurnSequencer()
    first = seq.reserve(3)
    after = seq.reserve()
    inside: set[int] = set()
    peak = 0
    release = asyncio.Event()
    log: list[int] = []

    async def chunk(index: int) -> None:
        nonlocal peak
        async with seq.turn_range(first, 3, members=3):
            inside.add(index)
            peak = max(peak, len(inside))
            await release.wait()
            inside.discard(index)

    chunks = [asyncio.create_task(chunk(i)) for i in (2, 1, 0)]
    later = asyncio.create_task(_enter_and_record(seq, after, log))
    await _settle()
    assert peak == 3
    assert log == []
    release.set()
    await asyncio.wait_for(asyncio.gather(*chunks, later), timeout=5)
    assert log == [after]
    assert seq.current_turn == 4


async def test_serial_chunks_take_one_turn_each() -> None:
    seq = TurnSequencer()
    first = seq.reserve(3)
    log: list[int] = []
    await asyncio.gather(*(_enter_and_record(seq, first + i, log) for i in (2, 0, 1)))
    assert log == [0, 1, 2]


async def test_poison_fails_waiting_and_later_turns_and_reserves() -> None:
    seq = TurnSequencer()
    head, queued = seq.reserve(), seq.reserve()
    waiting = asyncio.create_task(_enter_and_record(seq, queued, []))
    await _settle()
    cause = ValueError("custom loss blew up")
    seq.poison(cause)
    with pytest.raises(PoisonedClientError) as info:
        await asyncio.wait_for(waiting, timeout=5)
    assert info.value.__cause__ is cause
    assert isinstance(info.value, ClosedError)
    assert isinstance(info.value, RuntimeError)
    assert seq.poisoned is cause
    with pytest.raises(PoisonedClientError):
        seq.reserve()
    with pytest.raises(PoisonedClientError):
        async with seq.turn(head):
            pass


def test_poisoned_error_pickles() -> None:
    error = PoisonedClientError("poisoned")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is PoisonedClientError
    assert str(restored) == "poisoned"


async def test_turns_for_unreserved_passed_or_overlapping_ids_are_rejected() -> None:
    seq = TurnSequencer()
    first = seq.reserve(2)
    with pytest.raises(ValidationError):
        async with seq.turn(5):
            pass
    async with seq.turn_range(first, 2, members=1):
        with pytest.raises(ValidationError):
            async with seq.turn(first + 1):
                pass
    with pytest.raises(ValidationError):
        async with seq.turn(first):
            pass


async def test_range_members_must_agree_on_the_range() -> None:
    seq = TurnSequencer()
    first = seq.reserve(2)
    async with seq.turn_range(first, 2, members=2):
        with pytest.raises(ValidationError):
            async with seq.turn_range(first, 1, members=2):
                pass
        async with seq.turn_range(first, 2, members=2):
            pass
        with pytest.raises(ValidationError, match="already has all its members"):
            async with seq.turn_range(first, 2, members=2):
                pass
    assert seq.current_turn == 2


@pytest.mark.parametrize("poison_on_error", [True, False])
async def test_failed_block_poisons_only_when_asked(poison_on_error: bool) -> None:
    """A raising turn poisons later turns with poison_on_error, and only then."""
    sequencer = TurnSequencer()
    first, second = sequencer.reserve(), sequencer.reserve()

    async def later() -> str:
        async with sequencer.turn(second):
            return "sent"

    waiting = asyncio.create_task(later())
    with pytest.raises(RuntimeError, match="boom"):
        async with sequencer.turn(first, poison_on_error=poison_on_error):
            raise RuntimeError("boom")
    if poison_on_error:
        with pytest.raises(PoisonedClientError):
            await waiting
    else:
        assert await waiting == "sent"
