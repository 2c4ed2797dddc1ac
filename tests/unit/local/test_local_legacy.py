from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from local_wire import PROTO, LocalWire, fwdbwd_json

from tinkex.local import BackendConfig, LocalBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.adapters.clock import FakeClock


@pytest.fixture
async def legacy(tmp_path: Path, clock: FakeClock) -> AsyncIterator[LocalWire]:
    config = BackendConfig(session_ttl_s=None, poll_timeout_s=1.0)
    backend = LocalBackend(tmp_path, clock=clock, legacy=True, config=config)
    yield LocalWire(backend)
    await backend.aclose()


async def test_legacy_server_has_no_client_config(legacy: LocalWire, wire: LocalWire) -> None:
    """client/config and dynamic_config answer 404 in legacy mode, defaults otherwise."""
    for path in ("/api/v1/client/config", "/api/v1/client/dynamic_config"):
        assert (await legacy.json("POST", path, {"sdk_version": "0.16.1"}))[0] == 404
    status, config = await wire.json("POST", "/api/v1/client/config", {"sdk_version": "0.38.0"})
    assert status == 200
    assert config["pjwt_auth_enabled"] is False
    assert config["sample_use_retrieve_futures"] is False
    assert config["custom_loss_server_side"] is False


async def test_legacy_json_era_training_flow(legacy: LocalWire) -> None:
    """A 0.16-style flow (no tags, nulls, omitted defaults) works and returns JSON results."""
    _, reply = await legacy.json(
        "POST",
        "/api/v1/create_session",
        {"tags": ["b"], "user_metadata": {}, "sdk_version": "0.16.1", "project_id": None},
    )
    session = reply["session_id"]
    _, reply = await legacy.json(
        "POST",
        "/api/v1/create_model",
        {
            "session_id": session,
            "model_seq_id": 0,
            "base_model": "Qwen/Qwen3-8B",
            "user_metadata": None,
            "lora_config": {
                "rank": 4,
                "seed": None,
                "train_unembed": True,
                "train_mlp": True,
                "train_attn": True,
            },
        },
    )
    model = (await legacy.result_json(reply["request_id"]))["model_id"]
    _, reply = await legacy.json(
        "POST", "/api/v1/forward_backward", fwdbwd_json(model, 1, [b"hi!"])
    )
    _status, headers, _ = await legacy.result(reply["request_id"], accept=PROTO)
    assert headers["content-type"] == "application/json"
    _, reply = await legacy.json(
        "POST",
        "/api/v1/optim_step",
        {"adam_params": {"learning_rate": 1e-3}, "model_id": model, "seq_id": 2},
    )
    assert set(await legacy.result_json(reply["request_id"])) == {"metrics"}
    _, info = await legacy.json("POST", "/api/v1/get_info", {"model_id": model})
    assert "optimizer_config" not in info
    _, reply = await legacy.json(
        "POST",
        "/api/v1/save_weights",
        {"model_id": model, "path": "c", "seq_id": 3, "ttl_seconds": None},
    )
    path = (await legacy.result_json(reply["request_id"]))["path"]
    _, info = await legacy.json("POST", "/api/v1/weights_info", {"tinker_path": path})
    assert info == {
        "base_model": "Qwen/Qwen3-8B",
        "is_lora": True,
        "lora_rank": 4,
        "train_unembed": True,
        "train_mlp": True,
        "train_attn": True,
    }
    _, listed = await legacy.json("GET", f"/api/v1/training_runs/{model}/checkpoints")
    assert "user_metadata" not in listed["checkpoints"][0]
    _, reply = await legacy.json(
        "POST",
        "/api/v1/create_sampling_session",
        {
            "session_id": session,
            "sampling_session_seq_id": 0,
            "base_model": None,
            "model_path": None,
        },
    )
    assert reply == {"detail": "body: base_model or model_path is required"}
