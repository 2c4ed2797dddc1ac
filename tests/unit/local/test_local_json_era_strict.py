"""The backend in legacy mode refuses what a JSON-era (SDK 0.16.1) server refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from local_wire import PROTO, LocalWire, fwdbwd_json, fwdbwd_proto

from tinkex.local import BackendConfig, LocalBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.adapters.clock import FakeClock

LORA = {"rank": 4, "seed": None, "train_unembed": True, "train_mlp": True, "train_attn": True}


@pytest.fixture
async def legacy(tmp_path: Path, clock: FakeClock) -> AsyncIterator[LocalWire]:
    config = BackendConfig(session_ttl_s=None, poll_timeout_s=1.0)
    backend = LocalBackend(tmp_path, clock=clock, legacy=True, config=config)
    yield LocalWire(backend)
    await backend.aclose()


async def _model(wire: LocalWire) -> tuple[str, str]:
    body: dict[str, Any] = {
        "tags": [],
        "user_metadata": {},
        "sdk_version": "0.16.1",
        "project_id": None,
    }
    session = (await wire.json("POST", "/api/v1/create_session", body))[1]["session_id"]
    create = {"session_id": session, "model_seq_id": 0, "base_model": "Qwen/Qwen3-8B"}
    _, reply = await wire.json("POST", "/api/v1/create_model", {**create, "lora_config": LORA})
    return session, (await wire.result_json(reply["request_id"]))["model_id"]


async def _refused(wire: LocalWire, path: str, body: Any, fragment: str) -> None:
    status, reply = await wire.json("POST", path, body)
    assert status == 422, reply
    assert fragment in reply["detail"]


async def test_load_weights_needs_a_model_id_as_in_the_json_era(legacy: LocalWire) -> None:
    session, model = await _model(legacy)
    path = "tinker://x:train:0/weights/a"
    create_via_load = {"session_id": session, "model_seq_id": 1, "path": path, "optimizer": True}
    await _refused(legacy, "/api/v1/load_weights", create_via_load, "body.model_id: field required")
    status, _ = await legacy.json(
        "POST",
        "/api/v1/load_weights",
        {"model_id": model, "path": path, "optimizer": False, "seq_id": 1},
    )
    assert status == 200  # the JSON-era shape is accepted (the load itself fails later)


@pytest.mark.parametrize(
    ("path", "extra", "fragment"),
    [
        ("/api/v1/create_model", {"optimizer_config": {"type": "adamw"}}, "optimizer_config"),
        ("/api/v1/create_model", {"type": "create_session"}, "body.type: expected"),
        ("/api/v1/create_model", {"lora_config": {**LORA, "alpha": 2}}, "lora_config.alpha"),
        ("/api/v1/create_session", {"display_name": "x"}, "body.display_name: extra"),
    ],
)
async def test_fields_the_json_era_did_not_know_are_refused(
    legacy: LocalWire, path: str, extra: dict[str, Any], fragment: str
) -> None:
    session, _ = await _model(legacy)
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/create_model": {
            "session_id": session,
            "model_seq_id": 1,
            "base_model": "Qwen/Qwen3-8B",
            "lora_config": LORA,
        },
        "/api/v1/create_session": {"tags": [], "user_metadata": None, "sdk_version": "0.16.1"},
    }
    await _refused(legacy, path, {**bodies[path], **extra}, fragment)


async def test_sampling_and_training_bodies_are_checked_in_depth(legacy: LocalWire) -> None:
    _, model = await _model(legacy)
    sample = {
        "prompt": {"chunks": [{"tokens": [1, 2]}]},
        "sampling_params": {"max_tokens": 2},
        "model_path": None,
        "base_model": "Qwen/Qwen3-8B",
    }
    await _refused(
        legacy, "/api/v1/asample", {**sample, "topk_sample_logprobs": 2}, "topk_sample_logprobs"
    )
    params = {"max_tokens": 2, "logprobs_mode": "x"}
    await _refused(
        legacy, "/api/v1/asample", {**sample, "sampling_params": params}, "logprobs_mode"
    )
    chunk = {"chunks": [{"tokens": [1], "type": "dmel"}]}
    await _refused(legacy, "/api/v1/asample", {**sample, "prompt": chunk}, "not a chunk")
    body = fwdbwd_json(model, 1, [b"ok"])
    body["forward_backward_input"]["data"][0]["loss_fn_inputs"]["weights"][
        "sparse_col_indices"
    ] = []
    await _refused(legacy, "/api/v1/forward_backward", body, "weights.sparse_col_indices")
    await _refused(legacy, "/api/v1/optim_step", {"model_id": model}, "adam_params: field")
    assert (await legacy.json("POST", "/api/v1/forward_backward", fwdbwd_json(model, 1, [b"ok"])))[
        0
    ] == 200


async def test_protobuf_bodies_are_refused_by_a_json_only_server(legacy: LocalWire) -> None:
    _, model = await _model(legacy)
    status, _, _ = await legacy.call(
        "POST",
        "/api/v1/forward_backward",
        fwdbwd_proto(model, 1, [b"ok"]),
        headers={"Content-Type": PROTO},
    )
    assert status == 415


async def test_a_current_server_still_takes_the_038_shapes(wire: LocalWire) -> None:
    status, reply = await wire.json(
        "POST",
        "/api/v1/create_session",
        {
            "type": "create_session",
            "tags": [],
            "user_metadata": {},
            "sdk_version": "0.38.0",
            "display_name": "current",
        },
    )
    assert status == 200, reply
