from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import numpy as np
import pytest
from local_wire import LocalWire, fwdbwd_json

from tinkex.adapters.clock import FakeClock
from tinkex.local import BackendConfig, LocalBackend, demo_texts
from tinkex.local.codec import Fields, parse_tensor
from tinkex.local.model import EOS_ID
from tinkex.local.reply import HttpError
from tinkex.local.results import JsonResult
from tinkex.local.sampling import stop_sequences

if TYPE_CHECKING:
    from pathlib import Path


async def test_telemetry_batches_are_accepted_and_kept(wire: LocalWire) -> None:
    """Telemetry answers accepted and the events are inspectable on the backend."""
    batch = {"events": [{"event": "SESSION_START"}, {"event": "GENERIC_EVENT"}], "session_id": "s"}
    status, body = await wire.json("POST", "/api/v1/telemetry", batch)
    assert (status, body) == (200, {"status": "accepted"})
    events = wire.backend.telemetry_events
    assert [e["event"] for e in events] == ["SESSION_START", "GENERIC_EVENT"]
    assert events[0]["session_id"] == "s"


async def test_absent_features_answer_404_with_detail(wire: LocalWire) -> None:
    """JWT exchange, billing and audit are absent: 404 with a detail."""
    for method, path in (
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/billing/usage/events"),
        ("GET", "/api/v1/billing/usage/checkpoints/current"),
        ("GET", "/api/v1/audit"),
    ):
        status, body = await wire.json(method, path, {} if method == "POST" else None)
        assert status == 404, path
        assert body["detail"]
    assert (await wire.json("GET", "/api/v1/create_session"))[0] == 405


async def test_dynamic_config_capabilities_and_trace_export(wire: LocalWire) -> None:
    """dynamic_config has defaults; capabilities list models; trace export reports failure."""
    _, dynamic = await wire.json("POST", "/api/v1/client/dynamic_config", {"sdk_version": "x"})
    assert dynamic["refresh_interval_sec"] == 300
    _, caps = await wire.json("GET", "/api/v1/get_server_capabilities")
    assert any(m["model_name"] == "Qwen/Qwen3-8B" for m in caps["supported_models"])
    session = await wire.session()
    _, trace = await wire.json("GET", f"/api/v1/sessions/{session}/trace_export")
    assert trace["status"] == "failed"


async def test_session_search_filters_and_paginates(wire: LocalWire, clock: FakeClock) -> None:
    """search filters by metadata and status and pages with next_cursor."""
    ids = []
    for i in range(3):
        ids.append(await wire.session(user_metadata={"team": "a" if i else "b"}))
        clock.advance(1)
    await wire.json("POST", f"/api/v1/sessions/{ids[2]}/finish", {"reason": {"type": "errored"}})
    _, found = await wire.json(
        "POST", "/api/v1/sessions/search", {"user_metadata": {"team": "a"}, "limit": 1}
    )
    assert [s["session_id"] for s in found["sessions"]] == [ids[2]]
    assert found["sessions"][0]["status"] == {"type": "client_finished", "reason": "errored"}
    _, rest = await wire.json(
        "POST",
        "/api/v1/sessions/search",
        {"user_metadata": {"team": "a"}, "limit": 1, "cursor": found["next_cursor"]},
    )
    assert [s["session_id"] for s in rest["sessions"]] == [ids[1]]
    assert "next_cursor" not in rest
    _, active = await wire.json(
        "POST", "/api/v1/sessions/search", {"statuses": [{"type": "active"}]}
    )
    assert {s["session_id"] for s in active["sessions"]} == {ids[0], ids[1]}


async def test_unload_cancel_and_custom_loss(wire: LocalWire) -> None:
    """unload frees the model; cancel fails a pending future; custom losses fail as user."""
    session = await wire.session()
    model = await wire.model(session)
    _, pending = await wire.json(
        "POST", "/api/v1/optim_step", {"model_id": model, "seq_id": 9, "adam_params": {}}
    )
    assert (await wire.call("POST", "/api/v1/cancel_future", pending))[0] == 204
    _, _, raw = await wire.result(pending["request_id"])
    assert b"cancelled" in raw
    slot = wire.backend.state.models[model]
    ran: list[bool] = []

    async def work() -> JsonResult:
        ran.append(True)
        return JsonResult({})

    cancelled = wire.backend.state.futures.create("OptimStep", model)
    wire.backend.state.futures.fail(cancelled, "request was cancelled", "user")
    wire.backend.state.run_future(cancelled, work, slot=slot, seq_id=None)
    for _ in range(20):
        await asyncio.sleep(0)
    assert ran == []
    _, r = await wire.json("POST", "/api/v1/unload_model", {"model_id": model})
    assert (await wire.result_json(r["request_id"])) == {"model_id": model, "type": "unload_model"}
    body = fwdbwd_json(model, 0, [b"abc"])
    _, r = await wire.json("POST", "/api/v1/forward_backward", body)
    _, _, raw = await wire.result(r["request_id"])
    assert b"unloaded" in raw
    assert b'"user"' in raw
    _, r = await wire.json(
        "POST",
        "/api/v1/create_custom_loss",
        {"session_id": session, "custom_loss_seq_id": 0, "name": "x", "inputs": [], "graph": {}},
    )
    _, _, raw = await wire.result(r["request_id"])
    assert b"custom losses" in raw


async def test_copy_weights_creates_a_new_run(wire: LocalWire) -> None:
    """copy_weights duplicates a checkpoint under a new training run id."""
    session = await wire.session()
    model = await wire.model(session)
    _, r = await wire.json("POST", "/api/v1/save_weights", {"model_id": model, "path": "c"})
    path = (await wire.result_json(r["request_id"]))["path"]
    status, copied = await wire.json("POST", "/api/v1/copy_weights", {"source_path": path})
    assert status == 200, copied
    assert copied["tinker_path"] != path
    assert copied["tinker_path"].endswith("/weights/c")
    _, info = await wire.json(
        "POST", "/api/v1/weights_info", {"tinker_path": copied["tinker_path"]}
    )
    assert info["lora_rank"] == 4


async def test_get_info_describes_the_model(wire: LocalWire) -> None:
    """get_info reports names, rank and the optimizer."""
    session = await wire.session()
    model = await wire.model(session, rank=3)
    _, info = await wire.json("POST", "/api/v1/get_info", {"model_id": model, "type": "get_info"})
    assert info["model_id"] == model
    assert info["lora_rank"] == 3
    assert info["model_data"]["model_name"] == "Qwen/Qwen3-8B"
    assert info["optimizer_config"] == {"type": "adamw"}
    assert (await wire.json("POST", "/api/v1/get_info", {"model_id": "nope"}))[0] == 404


def test_tensor_json_parsing_handles_shapes_ints_and_sparse() -> None:
    """TensorData JSON: missing shape is 1-D, ints become float32, CSR is densified."""
    flat = parse_tensor(Fields({"data": [1, 0], "dtype": "float32"}))
    assert flat.dtype == np.float32
    assert flat.tolist() == [1.0, 0.0]
    grid = parse_tensor(Fields({"data": [1, 2, 3, 4], "dtype": "int64", "shape": [2, 2]}))
    assert grid.shape == (2, 2)
    sparse = parse_tensor(
        Fields(
            {
                "data": [5, 6],
                "dtype": "int64",
                "shape": [2, 3],
                "sparse_crow_indices": [0, 1, 2],
                "sparse_col_indices": [2, 0],
            }
        )
    )
    assert sparse.tolist() == [[0, 0, 5], [6, 0, 0]]
    with pytest.raises(HttpError):
        parse_tensor(Fields({"data": [1], "dtype": "bfloat17"}))


def test_stop_parameter_shapes() -> None:
    """stop: null keeps EOS, [] disables, strings become bytes, ints are single tokens."""
    assert stop_sequences(None) is None
    assert stop_sequences([]) == ()
    assert stop_sequences("\n") == ((10,),)
    assert stop_sequences(["ab", "c"]) == ((97, 98), (99,))
    assert stop_sequences([EOS_ID, 10]) == ((EOS_ID,), (10,))
    with pytest.raises(HttpError):
        stop_sequences([1, "a"])


def test_demo_texts_are_a_few_kilobytes_of_sentences() -> None:
    """The built-in demo set is non-trivial English text."""
    texts = demo_texts()
    assert len(texts) >= 40
    assert 2000 < sum(len(t) for t in texts) < 20000


async def test_null_model_gives_zero_outputs_of_the_right_shape(tmp_path: Path) -> None:
    """With null_model, forward returns zero logprobs, one per token."""
    config = BackendConfig(session_ttl_s=None, poll_timeout_s=1.0)
    backend = LocalBackend(tmp_path, clock=FakeClock(), null_model=True, config=config)
    wire = LocalWire(backend)
    session = await wire.session()
    model = await wire.model(session)
    _, r = await wire.json("POST", "/api/v1/forward", fwdbwd_json(model, 1, [b"abcdef"]))
    out = await wire.result_json(r["request_id"])
    assert out["loss_fn_outputs"][0]["logprobs"]["data"] == [0.0] * 5
    await backend.aclose()
