from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from local_wire import LocalWire, fwdbwd_json

from tinkex.local import BackendConfig, LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.adapters.clock import FakeClock


async def _retrieve(wire: LocalWire, request_id: str, allow: bool = False) -> tuple[int, object]:
    body = {"request_id": request_id, "allow_metadata_only": allow}
    return await wire.json("POST", "/api/v1/retrieve_future", body)


async def test_unknown_request_id_is_404(wire: LocalWire) -> None:
    """retrieve_future for an id never issued answers 404."""
    status, body = await _retrieve(wire, "req-nope")
    assert status == 404
    assert "req-nope" in str(body)


async def test_expired_result_is_410(wire: LocalWire, clock: FakeClock) -> None:
    """A finished result is retrievable until the TTL passes, then 410."""
    session = await wire.session()
    _, reply = await wire.json(
        "POST",
        "/api/v1/create_model",
        {"session_id": session, "model_seq_id": 0, "base_model": "m", "lora_config": {"rank": 2}},
    )
    await wire.result_json(reply["request_id"])
    clock.advance(3601)
    status, _ = await _retrieve(wire, reply["request_id"])
    assert status == 410


async def test_failed_request_reports_error_and_user_category(wire: LocalWire) -> None:
    """A forward_backward with an unknown loss fails with category user."""
    session = await wire.session()
    model = await wire.model(session)
    body = fwdbwd_json(model, 1, [b"abc"])
    body["forward_backward_input"]["loss_fn"] = "no_such_loss"
    _, reply = await wire.json("POST", "/api/v1/forward_backward", body)
    status, _, raw = await wire.result(reply["request_id"])
    result = msgspec.json.decode(raw)
    assert status == 200
    assert result["category"] == "user"
    assert "no_such_loss" in result["error"]


async def test_large_result_is_announced_with_complete_metadata(
    tmp_path: Path, clock: FakeClock
) -> None:
    """With allow_metadata_only, a result above the threshold first answers its size."""
    config = BackendConfig(metadata_threshold_bytes=10, session_ttl_s=None, poll_timeout_s=1.0)
    backend = LocalBackend(tmp_path, clock=clock, config=config)
    wire = LocalWire(backend)
    session = await wire.session()
    model = await wire.model(session)
    _, reply = await wire.json("POST", "/api/v1/forward", fwdbwd_json(model, 1, [b"abcdef"]))
    await wire.result(reply["request_id"])
    status, meta = await _retrieve(wire, reply["request_id"], allow=True)
    assert status == 200
    assert isinstance(meta, dict)
    assert meta["status"] == "complete_metadata"
    _, _, full = await wire.result(reply["request_id"])
    assert meta["response_payload_size"] == len(full)
    await backend.aclose()


async def test_api_key_is_required(wire: LocalWire) -> None:
    """Requests without a tml-/eyJ key are refused with 401; healthz is open."""
    for headers in ({"X-API-Key": ""}, {"X-API-Key": "sk-123"}):
        status, body = await wire.json("GET", "/api/v1/training_runs", headers=headers)
        assert status == 401, body
    status, _ = await wire.json("GET", "/api/v1/training_runs", headers={"X-API-Key": "eyJabc"})
    assert status == 200
    status, body = await wire.json("GET", "/api/v1/healthz", headers={"X-API-Key": ""})
    assert (status, body) == (200, {"status": "ok"})


async def test_session_without_heartbeat_expires(tmp_path: Path, clock: FakeClock) -> None:
    """After session_ttl_s without heartbeats, heartbeats and new requests answer 410."""
    backend = LocalBackend(tmp_path, clock=clock, config=BackendConfig(session_ttl_s=10))
    wire = LocalWire(backend)
    session = await wire.session()
    clock.advance(8)
    status, _ = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert status == 200
    clock.advance(8)
    status, _ = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert status == 200
    clock.advance(11)
    status, _ = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert status == 410
    body = {"session_id": session, "model_seq_id": 0, "base_model": "m"}
    status, _ = await wire.json("POST", "/api/v1/create_model", body)
    assert status == 410
    await backend.aclose()


async def test_finished_session_refuses_heartbeats(wire: LocalWire) -> None:
    """finish marks the session; later heartbeats get 410 and GET shows its runs."""
    session = await wire.session(display_name="dn", user_metadata={"k": "v"})
    await wire.model(session)
    status, _ = await wire.json(
        "POST",
        f"/api/v1/sessions/{session}/finish",
        {"reason": {"type": "success"}, "detail": None},
    )
    assert status == 200
    status, _ = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert status == 410
    status, info = await wire.json("GET", f"/api/v1/sessions/{session}")
    assert info == {
        "training_run_ids": [f"{session}:train:0"],
        "sampler_ids": [],
        "user_metadata": {"k": "v"},
        "display_name": "dn",
    }
