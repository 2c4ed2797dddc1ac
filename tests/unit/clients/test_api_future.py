"""APIFuture: states, request ids, timeouts, cancellation, repeated awaits, queue states."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING

import pytest
from training_fixtures import (
    BASE_URL,
    TINY_MODEL,
    batch,
    endpoint_of,
    make_backend,
)

from tinkex.clients.futures import FutureState
from tinkex.clients.service import ServiceClient
from tinkex.domain.ordering import PoisonedClientError
from tinkex.domain.types import AdamParams
from tinkex.errors import FutureTimeoutError, RequestFailedError
from tinkex.local import InProcessTransport
from tinkex.ports.futures import QueueState
from tinkex.ports.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.clients.training import TrainingClient


class GatedPolls:
    """A transport that answers ``retrieve_future`` with a paused try_again while closed."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.open = asyncio.Event()
        self.open.set()
        self.held_polls = 0
        self.sent: list[HttpRequest] = []

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        self.sent.append(request)
        if endpoint_of(request) == "retrieve_future" and not self.open.is_set():
            self.held_polls += 1
            await asyncio.sleep(0.002)  # a server long-polls; keep the loop from spinning
            request_id = json.loads(request.body or b"{}")["request_id"]
            body = {
                "type": "try_again",
                "request_id": request_id,
                "queue_state": "paused_capacity",
                "queue_state_reason": "short on capacity",
            }
            headers = {"content-type": "application/json"}
            return HttpResponse(status=200, headers=headers, body=json.dumps(body).encode())
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Observer:
    def __init__(self) -> None:
        self.states: list[tuple[QueueState, str | None]] = []

    def on_queue_state_change(self, state: QueueState, reason: str | None, /) -> None:
        self.states.append((state, reason))


@contextlib.asynccontextmanager
async def gated_training(tmp_path: Path) -> AsyncIterator[tuple[TrainingClient, GatedPolls]]:
    backend = make_backend(tmp_path)
    gate = GatedPolls(InProcessTransport(backend, BASE_URL))
    try:
        async with ServiceClient(
            base_url="local", transport=gate, telemetry=False, api_key="tml-test"
        ) as service:
            yield await service.create_lora_training_client(TINY_MODEL, rank=2), gate
    finally:
        await backend.aclose()


async def _until(condition: object, *, polls: int = 500) -> None:
    for _ in range(polls):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never became true")


async def test_future_moves_from_submitting_to_pending_to_done(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, gate):
        observer = Observer()
        training.add_queue_state_observer(observer)
        gate.open.clear()
        future = training.forward_backward(batch(2), "cross_entropy")

        def state() -> FutureState:  # read afresh each time (mypy would narrow the property)
            return future.state

        assert state() is FutureState.SUBMITTING
        assert future.request_id is None
        assert future.request_type == "ForwardBackward"
        await _until(lambda: future.last_queue_state is not None)
        assert state() is FutureState.PENDING
        accepted_id: str | None = future.tracker.request_id
        assert accepted_id is not None
        assert accepted_id.startswith("req-")
        assert future.last_queue_state is QueueState.PAUSED_CAPACITY
        assert (QueueState.PAUSED_CAPACITY, "short on capacity") in observer.states
        gate.open.set()
        first = await future
        assert state() is FutureState.DONE
        assert future.done()
        assert await future is first
        assert await future.result(timeout=1.0) is first
        assert "loss:sum" in first.metrics


async def test_result_timeout_names_request_and_queue_state(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, gate):
        gate.open.clear()
        future = training.optim_step(AdamParams())
        with pytest.raises(FutureTimeoutError) as raised:
            await future.result(timeout=0.05)
        error = raised.value
        assert error.request_id == future.request_id
        assert error.request_id is not None
        assert error.request_type == "OptimStep"
        assert error.last_queue_state == "paused_capacity"
        assert error.seconds_since_last_response is not None
        assert error.seconds_since_last_response < 1.0  # the server keeps answering
        assert future.request_id is not None
        assert future.request_id in str(error)
        # A timeout only stops waiting: the request still finishes.
        assert not future.done()
        gate.open.set()
        assert (await future.result(timeout=5.0)).metrics is not None


async def test_cancel_stops_polling(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, gate):
        gate.open.clear()
        future = training.save_state("cancelled")
        await _until(lambda: gate.held_polls >= 2)
        assert future.cancel()
        with pytest.raises(asyncio.CancelledError):
            await future
        assert future.state is FutureState.CANCELLED
        polls = gate.held_polls
        await asyncio.sleep(0.02)
        assert gate.held_polls == polls
        assert not future.cancel()  # already done
        # The client keeps working after a cancelled wait.
        gate.open.set()
        assert (await training.save_state("after")).path.endswith("/weights/after")


async def test_cancel_before_submission_keeps_later_calls_flowing(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, gate):
        first = training.forward_backward(batch(2), "cross_entropy")
        first.cancel()
        second = training.optim_step(AdamParams())
        with pytest.raises(asyncio.CancelledError):
            await first
        # The reserved seq_id 1 is still sent (the server applies seq_ids in order), so the
        # optimizer step behind it is not stalled.
        assert (await second.result(timeout=5.0)).metrics is not None
        training_calls = {"forward_backward", "optim_step"}
        sent = [endpoint_of(r) for r in gate.sent if endpoint_of(r) in training_calls]
        assert sent == ["forward_backward", "optim_step"]


async def test_cancelled_custom_loss_poisons_the_client(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, _):
        custom = training.forward_backward_custom(batch(2), lambda d, lp: (0.0, lp, {}))
        custom.cancel()
        with pytest.raises(asyncio.CancelledError):
            await custom
        with pytest.raises(PoisonedClientError):
            training.optim_step(AdamParams())


async def test_failed_request_gives_failed_state(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, _):
        future = training.load_state("tinker://nobody:train:0/weights/missing")
        with pytest.raises(RequestFailedError) as raised:
            await future
        assert raised.value.request_id == future.request_id
        assert future.state is FutureState.FAILED
        assert "LoadWeights" in repr(future)


async def test_mapped_future_shares_the_request(tmp_path: Path) -> None:
    async with gated_training(tmp_path) as (training, _):
        future = training.save_weights_and_get_sampling_client()
        client = await future
        assert future.request_type == "SaveWeightsForSampler"
        assert future.request_id is not None
        assert client.base_model == TINY_MODEL
