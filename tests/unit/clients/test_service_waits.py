"""Nothing waits forever: every future has a deadline, and `pending()` shows what is outstanding.

The embedded backend runs in-process; its fault plan delays or pauses polls, and a gate in
front of it holds chosen requests so they stay outstanding while the test looks.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from training_fixtures import BASE_URL, TINY_MODEL, batch, endpoint_of, make_backend, tiny_training

from tinkex.adapters.clock import SystemClock
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.clients.futures import FutureState, future_deadline
from tinkex.clients.service import ServiceClient
from tinkex.domain.types import ModelInput, SamplingParams
from tinkex.errors import FutureTimeoutError, ValidationError
from tinkex.local import FaultPlan, InProcessTransport
from tinkex.manifest.loader import load_manifest

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.local import LocalBackend
    from tinkex.manifest.schema import Manifest
    from tinkex.ports.transport import HttpRequest, HttpResponse, Transport

SHIPPED = Path(__file__).resolve().parents[3] / "tinkex" / "manifest" / "tinker.yaml"
PROMPT = ModelInput.from_ints([84, 104, 101, 32, 103])
PARAMS = SamplingParams(max_tokens=3, seed=1)


def _manifest(default_deadline_s: float) -> Manifest:
    text = SHIPPED.read_text(encoding="utf-8")
    assert "    default_deadline_s: 3600.0\n" in text
    return load_manifest(
        text.replace("default_deadline_s: 3600.0", f"default_deadline_s: {default_deadline_s}")
    )


def test_the_shipped_default_deadline_is_finite() -> None:
    default = load_manifest(SHIPPED).features["futures"]
    assert getattr(default, "default_deadline_s", None) == 3600.0


async def test_a_future_fails_at_the_default_deadline_naming_what_it_waited_for(
    tmp_path: Path,
) -> None:
    """Every poll is answered "paused": the wait ends at the manifest's deadline, not never."""
    plan = FaultPlan(paused_408=1.0, latency_ms=(20, 20), endpoints=("retrieve_future",))
    backend = make_backend(tmp_path, fault_plan=plan)
    async with ServiceClient(backend=backend, manifest=_manifest(0.5), telemetry=False) as svc:
        with pytest.raises(FutureTimeoutError) as info:
            await tiny_training(svc)
    error = info.value
    assert error.request_type == "CreateModel"
    assert error.request_id.startswith("req-")
    assert error.last_queue_state == "paused_capacity"
    assert error.timeout_s == 0.5
    for part in ("CreateModel", error.request_id, "paused_capacity", "0.5s"):
        assert part in str(error)
    await backend.aclose()


async def test_a_call_chooses_its_own_deadline(tmp_path: Path) -> None:
    """Polls take 0.3 s against a 0.1 s default; `future_deadline` lengthens or lifts it."""
    plan = FaultPlan(latency_ms=(300, 300), endpoints=("retrieve_future",))
    backend = make_backend(tmp_path, fault_plan=plan)
    async with ServiceClient(backend=backend, manifest=_manifest(0.1), telemetry=False) as svc:
        with pytest.raises(FutureTimeoutError, match="CreateModel"):
            await tiny_training(svc)
        with future_deadline(30):
            training = await tiny_training(svc)
            kept = training.forward_backward(batch(1), "cross_entropy")
        assert (await kept).metrics  # created inside the block, awaited after it
        hurried = training.forward_backward(batch(1), "cross_entropy")
        with pytest.raises(FutureTimeoutError) as info:
            await hurried
        assert (info.value.request_type, info.value.timeout_s) == ("ForwardBackward", 0.1)
        assert hurried.state is FutureState.FAILED
        with future_deadline(None):
            assert (await training.forward_backward(batch(1), "cross_entropy")).metrics
    await backend.aclose()


@pytest.mark.parametrize("seconds", [0, -1.0, float("inf"), float("nan"), "5", True])
def test_a_deadline_must_be_a_positive_number_of_seconds(seconds: object) -> None:
    with pytest.raises(ValidationError) as info, future_deadline(seconds):  # type: ignore[arg-type]
        pytest.fail("the block must not run")
    assert info.value.field == "seconds"


class _Gate:
    """A Transport that holds the requests `holds` picks until `release`, then forwards."""

    def __init__(self, inner: Transport, holds: Callable[[HttpRequest], bool]) -> None:
        self.inner = inner
        self.holds = holds
        self.closed = False
        self._open = asyncio.Event()
        self._open.set()

    def close_gate(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        if self.holds(request):
            await self._open.wait()
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _held(request: HttpRequest) -> bool:
    """Training submissions, and the polls of samples (accepted, then stuck)."""
    endpoint = endpoint_of(request)
    polled = request.header("X-Tinker-Request-Type")
    return endpoint == "forward_backward" or (endpoint == "retrieve_future" and polled == "Sample")


def _gated_service(backend: LocalBackend) -> tuple[ServiceClient, _Gate]:
    gate = _Gate(InProcessTransport(backend, BASE_URL), _held)
    adapters = Adapters(
        pool=SharedTransportPool(gate),
        clock=SystemClock(),
        base_url=BASE_URL,
        threaded_heartbeat=False,
    )
    return ServiceClient(adapters=adapters, telemetry=False, api_key="tml-test"), gate


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in 5 s")


async def test_pending_lists_every_outstanding_request_of_every_client(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, gate = _gated_service(backend)
    try:
        assert service.pending() == []  # not started: nothing outstanding
        training = await tiny_training(service)
        sampler = await service.create_sampling_client(base_model=TINY_MODEL)
        assert service.pending() == []
        gate.close_gate()
        step = training.forward_backward(batch(2), "cross_entropy")
        sample = sampler.sample(PROMPT, 1, PARAMS)
        await _until(lambda: len(service.pending()) == 2 and sample.request_id is not None)
        await _until(lambda: any(p.poll_iterations for p in service.pending()))
        outstanding = service.pending()
        assert outstanding[0].age_s >= outstanding[1].age_s  # oldest first
        by_type = {p.request_type: p for p in outstanding}

        submitting = by_type["ForwardBackward"]  # its POST has not been answered
        assert submitting.state is FutureState.SUBMITTING
        assert submitting.request_id is None
        assert submitting.endpoint == "training.forward_backward"
        assert submitting.sdk_method == "TrainingClient.forward_backward"
        assert step.request_id is None

        polled = by_type["Sample"]  # accepted; its result is being waited for
        assert polled.state is FutureState.PENDING
        assert polled.request_id == sample.request_id
        assert polled.poll_iterations == 1

        gate.release()
        assert (await step).metrics
        assert (await sample).sequences
        assert service.pending() == []
    finally:
        gate.release()
        await service.close()
        await backend.aclose()
