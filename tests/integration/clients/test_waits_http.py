"""Nothing hangs against a real ``tinkex serve`` that is frozen, restarted, or used wrongly.

Each test runs the user-facing server as a child process on 127.0.0.1 and does to it what an
operator or a crash would: SIGSTOP (connections accepted by the kernel, never answered),
SIGKILL and a restart on the same port and store, and a client driven from two event loops.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import TYPE_CHECKING

import msgspec
import pytest
from served_backend import served

from tinkex.clients.futures import FutureState, future_deadline
from tinkex.clients.service import ServiceClient
from tinkex.domain.types import Datum, ModelInput, SamplingParams
from tinkex.errors import ClosedError, FutureTimeoutError, NotFoundError
from tinkex.flows.polling_state import PromiseExpiredError
from tinkex.local.faults import FaultInjector, FaultPlan
from tinkex.ports.futures import QueueState

if TYPE_CHECKING:
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"
POLL = "/api/v1/retrieve_future"
DEADLINE_S = 2.5


def _batch() -> list[Datum]:
    tokens = [10, 17, 24, 31, 38, 45]
    return [
        Datum(
            model_input=ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * 5},
        )
    ]


def _json(plan: FaultPlan) -> str:
    return msgspec.json.encode(plan).decode()


def _client(url: str, *, first_contact_timeout_s: float | None = None) -> ServiceClient:
    return ServiceClient(
        base_url=url,
        api_key="tml-waits",
        telemetry=False,
        env={},
        first_contact_timeout_s=first_contact_timeout_s,
    )


async def _until(condition: object, *, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def _plan_pausing_after_the_first_poll(latency_ms: int) -> FaultPlan:
    """A plan whose first poll (CreateModel) finishes and whose next ones answer "paused".

    Polls answer 408 ``paused_capacity`` at random (half the time) from a seeded stream;
    the seed is picked so the forward_backward's first polls are paused (a few of them, so
    a late freeze still finds it unfinished), and every poll takes `latency_ms`, so the test
    can freeze the server while a poll is in its hands.
    """
    for seed in range(1000):
        plan = FaultPlan(
            seed=seed,
            paused_408=0.5,
            latency_ms=(latency_ms, latency_ms),
            endpoints=("retrieve_future",),
        )
        draws = FaultInjector(plan)
        first, *later = (draws.decide(POLL, backpressure_header=False).paused for _ in range(5))
        if not first and all(later):
            return plan
    raise AssertionError("no seed pauses polls 2 to 5 and not the first")


async def test_a_frozen_server_ends_in_the_deadline_error(tmp_path: Path) -> None:
    """SIGSTOP after the request was accepted: the wait ends at the deadline, typed and named."""
    plan = _plan_pausing_after_the_first_poll(latency_ms=500)
    with served(tmp_path / "store", "--fault-plan", _json(plan)) as srv:
        async with _client(srv.url) as service:
            training = await service.create_lora_training_client(TINY_MODEL, rank=4)
            with future_deadline(DEADLINE_S):
                future = training.forward_backward(_batch(), "cross_entropy")
            await _until(lambda: future.last_queue_state is QueueState.PAUSED_CAPACITY)
            srv.stop()  # its next poll is in the server's hands, and never answered
            try:
                started = time.monotonic()
                with pytest.raises(FutureTimeoutError) as info:
                    async with asyncio.timeout(30):  # without the deadline: forever
                        await future
                waited = time.monotonic() - started
            finally:
                srv.resume()
    error = info.value
    assert waited <= DEADLINE_S + 3.0  # counted from the call, before the stop
    assert error.request_id == future.request_id
    assert error.request_type == "ForwardBackward"
    assert error.last_queue_state == "paused_capacity"
    for part in (str(future.request_id), "ForwardBackward", "paused_capacity", "after 2.5s"):
        assert part in str(error)
    assert future.state is FutureState.FAILED


async def test_pending_shows_requests_stuck_before_their_post_was_answered(
    tmp_path: Path,
) -> None:
    with served(tmp_path / "store") as srv:
        async with _client(srv.url) as service:
            training = await service.create_lora_training_client(TINY_MODEL, rank=4)
            sampler = await service.create_sampling_client(base_model=TINY_MODEL)
            srv.stop()
            try:
                step = training.forward_backward(_batch(), "cross_entropy")
                sample = sampler.sample(
                    ModelInput.from_ints([84, 104, 101]), 1, SamplingParams(max_tokens=2)
                )
                await _until(lambda: len(service.pending()) == 2)
                outstanding = {p.request_type: p for p in service.pending()}
                assert outstanding.keys() == {"ForwardBackward", "Sample"}
                for request in outstanding.values():
                    assert request.state is FutureState.SUBMITTING
                    assert request.request_id is None
                assert outstanding["ForwardBackward"].sdk_method == (
                    "TrainingClient.forward_backward"
                )
                assert outstanding["Sample"].endpoint == "sampling.asample"
            finally:
                srv.resume()
            assert (await step).metrics  # answered once the server runs again
            assert (await sample).sequences
            assert service.pending() == []


async def test_after_a_restart_the_error_says_how_to_resume(tmp_path: Path) -> None:
    """kill -9 with a poll in flight, back on the same port and store a few seconds later."""
    plan = FaultPlan(latency_ms=(600, 600), endpoints=("retrieve_future",))
    with served(tmp_path / "store", "--fault-plan", _json(plan)) as srv:
        # A 1 s first-contact bound: the outage below is longer, and is ridden out anyway
        # because this server has answered before.
        async with _client(srv.url, first_contact_timeout_s=1.0) as service:
            training = await service.create_lora_training_client(TINY_MODEL, rank=4, seed=0)
            await training.forward_backward(_batch(), "cross_entropy")
            saved = await training.save_state("before-restart")
            loss_at_save = (await training.forward(_batch(), "cross_entropy")).metrics
            lost = training.forward_backward(_batch(), "cross_entropy")
            await _until(lambda: lost.request_id is not None)

            srv.kill()
            capabilities = asyncio.ensure_future(service.get_server_capabilities())
            await asyncio.sleep(2.0)
            srv.restart()

            with pytest.raises(PromiseExpiredError) as info:
                await lost
            message = str(info.value)
            assert "ForwardBackward" in message
            assert "do not re-submit" in message
            assert "create_training_client_from_state_with_optimizer" in message
            assert "create a new training client" in message
            assert (await capabilities).supported_models  # the outage was waited out

            with pytest.raises(NotFoundError):  # the run's in-memory model is gone
                await training.forward_backward(_batch(), "cross_entropy")
            assert saved.path is not None
            resumed = await service.create_training_client_from_state_with_optimizer(saved.path)
            assert (await resumed.forward(_batch(), "cross_entropy")).metrics == loss_at_save


def test_a_client_used_from_another_event_loop_refuses_clearly(tmp_path: Path) -> None:
    with served(tmp_path / "store") as srv:
        home = asyncio.new_event_loop()
        service = _client(srv.url)
        try:
            training = home.run_until_complete(
                service.create_lora_training_client(TINY_MODEL, rank=4)
            )
            with pytest.raises(ClosedError, match="another event loop"):
                asyncio.run(service.get_server_capabilities())
            with pytest.raises(ClosedError, match="another event loop"):
                asyncio.run(service.create_sampling_client(base_model=TINY_MODEL))

            async def train_elsewhere() -> object:
                return await training.forward(_batch(), "cross_entropy")

            with pytest.raises(ClosedError, match="another event loop"):
                asyncio.run(train_elsewhere())
            # Still fine on its own loop.
            home.run_until_complete(service.get_server_capabilities())
        finally:
            home.run_until_complete(service.close())
            home.close()
    gc.collect()  # nothing opened on the other loops is left to warn about
