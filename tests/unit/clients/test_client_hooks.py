"""Hooks users attach to clients: request metrics, sampling queue states, telemetry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex import types
from tinkex.flows.queue_state import QueueStateRecorder
from tinkex.local import FaultPlan, LocalBackend
from tinkex.metrics import Metrics

if TYPE_CHECKING:
    from pathlib import Path


async def test_every_request_reports_to_the_metrics_registry(tmp_path: Path) -> None:
    """A session's requests are counted and timed in the registry passed to the client."""
    metrics = Metrics()
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False, metrics=metrics
    ) as service:
        await service.get_server_capabilities()
    snapshot = metrics.snapshot()
    total = snapshot["counters"]["tinkex_requests_total"]
    assert total >= 4  # config, dynamic config, session, capabilities (+ finish)
    assert snapshot["counters"]["tinkex_requests_success"] == total
    assert snapshot["histograms"]["tinkex_request_duration_ms"]["count"] == total


async def test_sampling_observer_sees_the_paused_queue_state(tmp_path: Path) -> None:
    """An observer added to a sampling client hears the server's paused_capacity state."""
    backend = LocalBackend(
        tmp_path, fault_plan=FaultPlan(seed=3, paused_408=1.0, endpoints=("retrieve_future",))
    )
    recorder = QueueStateRecorder()
    async with tinkex.ServiceClient(backend=backend, telemetry=False) as service:
        sampler = await service.create_sampling_client(base_model="tinkex/tiny-byte-lm")
        sampler.add_queue_state_observer(recorder)
        future = sampler.sample(
            types.ModelInput.from_ints([1, 2, 3]), 1, types.SamplingParams(max_tokens=2)
        )
        # Every poll is answered 408 + paused_capacity: the future waits and reports it.
        with pytest.raises(TimeoutError):
            await future.result(timeout=0.5)
        future.cancel()
    assert "paused_capacity" in [state.value for state in recorder.states]


async def test_telemetry_reporter_belongs_to_the_session(tmp_path: Path) -> None:
    """With telemetry on, the service hands out a reporter; with it off, None."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=True
    ) as service:
        reporter = await service.telemetry_reporter()
        assert reporter is not None
        reporter.log("example.event", {"k": 1})
        await reporter.flush()
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        assert await service.telemetry_reporter() is None
