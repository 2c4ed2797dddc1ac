"""The retrieve_futures poller against a small in-memory server, in virtual time."""

from __future__ import annotations

import asyncio
import pickle
import random

import pytest
from batch_fakes import RETRIEVE_MANY, FuturesServer, status
from flows_fakes import capture_logger

from tinkex.adapters.clock import FakeClock
from tinkex.domain.backoff import Backoff
from tinkex.domain.types import (
    FutureFailed,
    FutureFinished,
    FuturesRetrieveRequest,
    SamplingSessionTarget,
)
from tinkex.errors import APIConnectionError, APITimeoutError, ClosedError
from tinkex.flows.batch_polling import SessionFutures
from tinkex.flows.billing import BillingPause
from tinkex.flows.features import BillingPauseConfig
from tinkex.flows.polling_state import SessionFuturesConfig, SessionFuturesError

SESSION = "sess-1:sample:0"
TARGET = SamplingSessionTarget(sampling_session_id=SESSION, cloned_sampler_id=0)


def poll(cursor: int, *acks: str, ack_only: bool = False) -> FuturesRetrieveRequest:
    return FuturesRetrieveRequest(
        target=TARGET,
        prev_cursor=cursor,
        timeout=0.0 if ack_only else None,
        retrieved_request_ids=list(acks),
    )


def make(
    server: FuturesServer, clock: FakeClock, *, billing: BillingPause | None = None
) -> SessionFutures:
    return SessionFutures(
        server,
        RETRIEVE_MANY,
        config=SessionFuturesConfig(backoff=Backoff(base_s=1.0, max_s=10.0)),
        clock=clock,
        billing=billing,
        logger=capture_logger()[0],
        rng=random.Random(0),
    )


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


async def test_completions_wake_their_samples_and_acks_follow_the_fetches() -> None:
    """One long poll serves every waiting sample; the acks go out once the fetches are done."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    futures.expect("r1", SESSION, 0)
    futures.expect("r2", SESSION, 0)
    first, second = futures.claim("r1"), futures.claim("r2")
    assert first is not None
    assert second is not None
    assert futures.claim("r1") is None  # a claim is taken once
    await settle()
    server.finish("r2")
    assert isinstance(await second.waiter, FutureFinished)
    server.finish("r1")
    completion = await first.waiter
    assert isinstance(completion, FutureFinished)
    assert completion.response_payload_uncompressed_size == len('{"sequences": ["r1"]}')
    await settle()
    assert server.polls() == [poll(0), poll(1)]  # nothing to ack while the fetches run
    second.release()
    await settle()
    assert len(server.polls()) == 2
    first.release()
    await settle()
    assert server.polls() == [poll(0), poll(1), poll(2, "r1", "r2", ack_only=True)]
    assert [s.timeout_s for s in server.sent] == [45.0, 45.0, 5.0]
    await futures.aclose()
    assert len(server.polls()) == 3  # everything was acknowledged already


async def test_a_completion_read_before_its_submission_answer_is_kept() -> None:
    """A completion that arrives before `expect` is delivered at once when it comes."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    futures.expect("r1", SESSION, 0)
    await settle()
    server.finish("r9")  # accepted, finished and reported before the client read its id
    await settle()
    futures.expect("r9", SESSION, 0)
    early = futures.claim("r9")
    assert early is not None
    assert early.waiter.done()
    assert isinstance(early.waiter.result(), FutureFinished)
    await futures.aclose()


async def test_an_abandoned_sample_is_acknowledged_when_it_completes() -> None:
    """A sample that stops waiting is not kept: its completion is acked, never delivered."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    futures.expect("r1", SESSION, 0)
    futures.expect("r2", SESSION, 0)
    gone = futures.claim("r1")
    assert gone is not None
    await settle()
    gone.release()
    server.finish("r1")
    await settle()
    assert not gone.waiter.done()
    assert server.polls()[-1] == poll(1, "r1")  # r2 still waits: a long poll carries the ack
    await futures.aclose()


async def test_a_terminal_poll_failure_fails_every_waiting_sample_loudly() -> None:
    """A 403 fails each waiting sample with SessionFuturesError; a later sample polls anew."""
    server, clock = FuturesServer(), FakeClock()
    logger, logs = capture_logger()
    futures = SessionFutures(server, RETRIEVE_MANY, clock=clock, logger=logger)
    server.fail_next(status(403))
    futures.expect("r1", SESSION, 0)
    futures.expect("r2", SESSION, 0)
    claims = [futures.claim("r1"), futures.claim("r2")]
    outcomes = [await claim.waiter for claim in claims if claim is not None]
    assert all(isinstance(outcome, SessionFuturesError) for outcome in outcomes)
    error = outcomes[0]
    assert isinstance(error, SessionFuturesError)
    assert (error.sampling_session_id, error.cloned_sampler_id) == (SESSION, 0)
    assert (error.request_id, error.status) == ("r1", 403)
    assert f"sampling session {SESSION} (clone 0)" in str(error)
    assert "PermissionDeniedError" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.request_id, copy.status, str(copy)) == ("r1", 403, str(error))
    assert [e["event"] for e in logs.entries] == ["futures.session_poll_failed"]
    futures.expect("r3", SESSION, 0)
    later = futures.claim("r3")
    assert later is not None
    await settle()
    server.finish("r3")
    assert isinstance(await later.waiter, FutureFinished)
    await futures.aclose()


async def test_retryable_failures_back_off_and_a_timed_out_long_poll_repolls_at_once() -> None:
    """503 and lost connections wait the backoff; a timeout does not; three 400s are ridden."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    server.fail_next(
        status(503),
        APIConnectionError("refused"),
        APITimeoutError("timed out"),
        status(400),
        status(400),
        status(400),
    )
    futures.expect("r1", SESSION, 0)
    claim = futures.claim("r1")
    assert claim is not None
    await settle()
    server.finish("r1")
    assert isinstance(await claim.waiter, FutureFinished)
    assert clock.sleeps == [1.0, 2.0, 1.0, 2.0, 4.0]
    assert len(server.polls()) == 7
    await futures.aclose()


async def test_a_fourth_bad_request_in_a_row_is_terminal() -> None:
    """Only max_bad_request_retries 400s are polled again."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    server.fail_next(*(status(400) for _ in range(4)))
    futures.expect("r1", SESSION, 0)
    claim = futures.claim("r1")
    assert claim is not None
    outcome = await claim.waiter
    assert isinstance(outcome, SessionFuturesError)
    assert outcome.status == 400
    await futures.aclose()


async def test_a_402_inside_the_billing_window_sleeps_the_billing_pause() -> None:
    """A 402 is waited out like everywhere else (5 s sleeps), not counted as a failure."""
    server, clock = FuturesServer(), FakeClock()
    billing = BillingPause(BillingPauseConfig(), clock=clock, logger=capture_logger()[0])
    futures = make(server, clock, billing=billing)
    server.fail_next(status(402), status(402))
    futures.expect("r1", SESSION, 0)
    claim = futures.claim("r1")
    assert claim is not None
    await settle()
    server.finish("r1")
    assert isinstance(await claim.waiter, FutureFinished)
    assert clock.sleeps == [5.0, 5.0]
    await futures.aclose()


async def test_closing_fails_waiting_samples_and_sends_the_last_acks() -> None:
    """aclose: waiting samples get ClosedError, outstanding acks go out in one ack-only poll."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    futures.expect("r1", SESSION, 0)
    futures.expect("r2", SESSION, 0)
    done, waiting = futures.claim("r1"), futures.claim("r2")
    assert done is not None
    assert waiting is not None
    await settle()
    server.fail("r1")
    assert isinstance(await done.waiter, FutureFailed)
    done.release()
    await settle()
    await futures.aclose()
    assert isinstance(waiting.waiter.result(), ClosedError)
    assert server.polls()[-1] == poll(1, "r1", ack_only=True)
    with pytest.raises(ClosedError):
        futures.expect("r3", SESSION, 0)


async def test_closing_during_an_ack_only_poll_lets_it_land_instead_of_resending() -> None:
    """An ack-only poll in flight at close is waited for; its acks are not sent twice."""
    server, clock = FuturesServer(), FakeClock()
    server.ack_hold = asyncio.Event()
    futures = make(server, clock)
    futures.expect("r1", SESSION, 0)
    claim = futures.claim("r1")
    assert claim is not None
    await settle()
    server.finish("r1")
    await claim.waiter
    claim.release()
    await settle()
    closing = asyncio.create_task(futures.aclose())
    await settle()
    assert not closing.done()
    server.ack_hold.set()
    await closing
    assert server.polls() == [poll(0), poll(1, "r1", ack_only=True)]


async def test_each_clone_of_a_session_has_its_own_poller() -> None:
    """Samples of clone 1 are polled with their own target and cursor."""
    server, clock = FuturesServer(), FakeClock()
    futures = make(server, clock)
    futures.expect("r1", SESSION, 1)
    await settle()
    assert server.polls()[0].target == SamplingSessionTarget(
        sampling_session_id=SESSION, cloned_sampler_id=1
    )
    await futures.aclose()
