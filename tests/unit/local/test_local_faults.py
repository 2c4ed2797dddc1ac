from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest
from local_wire import LocalWire

from tinkex.adapters.clock import FakeClock
from tinkex.local import BackendConfig, ConnectionDropped, FaultPlan, LocalBackend

if TYPE_CHECKING:
    from pathlib import Path


async def _statuses(tmp_path: Path, plan: FaultPlan, n: int = 40) -> list[object]:
    backend = LocalBackend(tmp_path, clock=FakeClock(), fault_plan=plan)
    wire = LocalWire(backend)
    seen: list[object] = []
    for _ in range(n):
        try:
            seen.append((await wire.call("GET", "/api/v1/get_server_capabilities"))[0])
        except ConnectionDropped:
            seen.append("dropped")
    await backend.aclose()
    return seen


async def test_same_seed_gives_same_faults(tmp_path: Path) -> None:
    """The same plan and request sequence produce the same faults; another seed differs."""
    plan = FaultPlan(seed=7, error_5xx=0.3, drop_connection=0.3)
    first = await _statuses(tmp_path / "a", plan)
    again = await _statuses(tmp_path / "b", plan)
    other = await _statuses(tmp_path / "c", FaultPlan(seed=8, error_5xx=0.3, drop_connection=0.3))
    assert first == again
    assert first != other
    assert {200, 503, "dropped"} <= set(first)


async def test_fault_plan_filters_endpoints_and_parses_json(tmp_path: Path) -> None:
    """Faults hit only the listed endpoints; plans parse from JSON and reject unknown keys."""
    plan = FaultPlan.from_json('{"error_5xx": 1.0, "endpoints": ["training_runs"]}')
    backend = LocalBackend(tmp_path, clock=FakeClock(), fault_plan=plan)
    wire = LocalWire(backend)
    assert (await wire.call("GET", "/api/v1/training_runs"))[0] == 503
    assert (await wire.call("GET", "/api/v1/get_server_capabilities"))[0] == 200
    with pytest.raises(msgspec.ValidationError):
        FaultPlan.from_json('{"error_rate": 1.0}')
    await backend.aclose()


async def test_backpressure_and_capacity_refuse_samples(tmp_path: Path) -> None:
    """asample with the backpressure header gets 429; so does sampling beyond the cap."""
    clock = FakeClock()
    plan = FaultPlan(backpressure_429=1.0)
    backend = LocalBackend(tmp_path / "a", clock=clock, fault_plan=plan)
    wire = LocalWire(backend)
    session = await wire.session()
    _, reply = await wire.json(
        "POST",
        "/api/v1/create_sampling_session",
        {"session_id": session, "sampling_session_seq_id": 0, "base_model": "m"},
    )
    body = {
        "prompt": {"chunks": [{"tokens": [1, 2]}]},
        "sampling_params": {"max_tokens": 1},
        "sampling_session_id": reply["sampling_session_id"],
    }
    headers = {"X-Tinker-Sampling-Backpressure": "1"}
    assert (await wire.call("POST", "/api/v1/asample", body, headers=headers))[0] == 429
    assert (await wire.call("POST", "/api/v1/asample", body))[0] == 200
    await backend.aclose()

    capped = LocalBackend(
        tmp_path / "b", clock=clock, fault_plan=FaultPlan(max_concurrent_samples=0)
    )
    wire = LocalWire(capped)
    session = await wire.session()
    _, reply = await wire.json(
        "POST",
        "/api/v1/create_sampling_session",
        {"session_id": session, "sampling_session_seq_id": 0, "base_model": "m"},
    )
    body["sampling_session_id"] = reply["sampling_session_id"]
    assert (await wire.call("POST", "/api/v1/asample", body))[0] == 429
    await capped.aclose()


async def test_paused_queue_answers_408_with_queue_state(tmp_path: Path) -> None:
    """paused_408 makes retrieve_future answer 408 carrying queue_state paused_capacity."""
    backend = LocalBackend(tmp_path, clock=FakeClock(), fault_plan=FaultPlan(paused_408=1.0))
    status, body = await LocalWire(backend).json(
        "POST", "/api/v1/retrieve_future", {"request_id": "x"}
    )
    assert status == 408
    assert body["queue_state"] == "paused_capacity"
    await backend.aclose()


async def test_dropped_connection_after_processing_replays_on_retry(tmp_path: Path) -> None:
    """A dropped create_session was applied; the retry with the same key gets the same id."""
    backend = LocalBackend(
        tmp_path,
        clock=FakeClock(),
        fault_plan=FaultPlan(drop_connection=1.0, endpoints=("create_session",)),
        config=BackendConfig(),
    )
    wire = LocalWire(backend)
    body = {"tags": [], "user_metadata": {}, "sdk_version": "x"}
    headers = {"X-Idempotency-Key": "same"}
    with pytest.raises(ConnectionDropped):
        await wire.call("POST", "/api/v1/create_session", body, headers=headers)
    assert len(backend.state.store.index.sessions) == 1
    with pytest.raises(ConnectionDropped):
        await wire.call("POST", "/api/v1/create_session", body, headers=headers)
    assert len(backend.state.store.index.sessions) == 1
    await backend.aclose()


async def test_latency_is_added_on_the_clock(tmp_path: Path) -> None:
    """latency_ms delays each request by a value drawn from the range, on the backend clock."""
    clock = FakeClock()
    backend = LocalBackend(tmp_path, clock=clock, fault_plan=FaultPlan(latency_ms=(100, 300)))
    wire = LocalWire(backend)
    for _ in range(5):
        assert (await wire.call("GET", "/api/v1/healthz"))[0] == 200
    delays = [d for d in clock.sleeps if d > 0]
    assert len(delays) == 5
    assert all(0.1 <= d <= 0.3 for d in delays)
    assert len(set(delays)) > 1
    await backend.aclose()
