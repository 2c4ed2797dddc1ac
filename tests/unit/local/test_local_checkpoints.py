from __future__ import annotations

import io
import tarfile
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from local_wire import LocalWire, fwdbwd_json

from tinkex.local import BackendConfig, LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.adapters.clock import FakeClock

TEXTS = [b"save me and load me"]


async def _trained_model(wire: LocalWire) -> tuple[str, str]:
    session = await wire.session()
    model = await wire.model(session)
    _, r = await wire.json("POST", "/api/v1/forward_backward", fwdbwd_json(model, 1, TEXTS))
    await wire.result_json(r["request_id"])
    body = {"model_id": model, "seq_id": 2, "adam_params": {"learning_rate": 0.05}}
    _, r = await wire.json("POST", "/api/v1/optim_step", body)
    await wire.result_json(r["request_id"])
    return session, model


async def _save(wire: LocalWire, model: str, name: str, **extra: object) -> dict[str, object]:
    body = {"model_id": model, "path": name, **extra}
    status, r = await wire.json("POST", "/api/v1/save_weights", body)
    assert status == 200, r
    return dict(await wire.result_json(r["request_id"]))


async def _forward(wire: LocalWire, model: str) -> list[float]:
    body = fwdbwd_json(model, 0, TEXTS, wrapper="forward_input")
    _, r = await wire.json("POST", "/api/v1/forward", body)
    result = await wire.result_json(r["request_id"])
    return list(result["loss_fn_outputs"][0]["logprobs"]["data"])


async def test_checkpoint_survives_restart_and_loads_identically(
    tmp_path: Path, clock: FakeClock
) -> None:
    """save_weights, a new backend on the same dir, load_weights: same forward logprobs."""
    config = BackendConfig(session_ttl_s=None, poll_timeout_s=1.0)
    first = LocalBackend(tmp_path, clock=clock, config=config)
    wire = LocalWire(first)
    _, model = await _trained_model(wire)
    saved = await _save(wire, model, "ckpt")
    assert saved == {"path": f"tinker://{model}/weights/ckpt", "type": "save_weights"}
    expected = await _forward(wire, model)
    await first.aclose()

    second = LocalBackend(tmp_path, clock=clock, config=config)
    wire2 = LocalWire(second)
    status, listed = await wire2.json("GET", f"/api/v1/training_runs/{model}/checkpoints")
    assert status == 200
    assert [c["tinker_path"] for c in listed["checkpoints"]] == [saved["path"]]
    session = await wire2.session()
    body = {
        "session_id": session,
        "model_seq_id": 0,
        "path": saved["path"],
        "optimizer": True,
        "type": "load_weights",
    }
    _, r = await wire2.json("POST", "/api/v1/load_weights", body)
    loaded = await wire2.result_json(r["request_id"])
    assert loaded["model_id"] == f"{session}:train:0"
    assert await _forward(wire2, loaded["model_id"]) == expected
    await second.aclose()


async def test_ttl_is_validated_and_checkpoints_expire(wire: LocalWire, clock: FakeClock) -> None:
    """TTLs outside 3600 s … 10 years are refused with 400; expired checkpoints vanish."""
    _, model = await _trained_model(wire)
    status, body = await wire.json(
        "POST", "/api/v1/save_weights", {"model_id": model, "path": "a", "ttl_seconds": 10}
    )
    assert status == 400, body
    saved = await _save(wire, model, "a", ttl_seconds=3600)
    ttl_path = f"/api/v1/training_runs/{model}/checkpoints/weights/a/ttl"
    assert (await wire.json("PUT", ttl_path, {"ttl_seconds": 5}))[0] == 400
    assert (await wire.json("PUT", ttl_path, {"ttl_seconds": 10 * 366 * 86400}))[0] == 400
    assert (await wire.json("PUT", ttl_path, {"ttl_seconds": None}))[0] == 204
    clock.advance(7200)
    status, info = await wire.json("POST", "/api/v1/weights_info", {"tinker_path": saved["path"]})
    assert status == 200, info
    assert (await wire.json("PUT", ttl_path, {"ttl_seconds": 3600}))[0] == 204
    clock.advance(3601)
    status, listed = await wire.json("GET", f"/api/v1/training_runs/{model}/checkpoints")
    assert listed["checkpoints"] == []


async def test_publish_twice_is_409(wire: LocalWire) -> None:
    """Publishing a public checkpoint (or unpublishing a private one) conflicts."""
    _, model = await _trained_model(wire)
    await _save(wire, model, "pub")
    path = f"/api/v1/training_runs/{model}/checkpoints/weights/pub/publish"
    assert (await wire.json("DELETE", path))[0] == 409
    assert (await wire.json("POST", path))[0] == 204
    assert (await wire.json("POST", path))[0] == 409
    _, listed = await wire.json("GET", "/api/v1/checkpoints")
    assert listed["checkpoints"][0]["public"] is True
    assert (await wire.json("DELETE", path))[0] == 204


async def test_runs_and_checkpoints_paginate(wire: LocalWire, clock: FakeClock) -> None:
    """limit/offset pages carry cursor.total_count; user checkpoints come newest first."""
    session = await wire.session()
    models = []
    for i in range(3):
        models.append(await wire.model(session, i))
        clock.advance(1)
    status, page = await wire.json("GET", "/api/v1/training_runs", query={"limit": "2"})
    assert status == 200
    assert [r["training_run_id"] for r in page["training_runs"]] == models[::-1][:2]
    assert page["cursor"] == {"offset": 0, "limit": 2, "total_count": 3}
    _, page = await wire.json("GET", "/api/v1/training_runs", query={"limit": "2", "offset": "2"})
    assert [r["training_run_id"] for r in page["training_runs"]] == [models[0]]
    for name in ("one", "two", "three"):
        await _save(wire, models[0], name)
        clock.advance(1)
    _, page = await wire.json("GET", "/api/v1/checkpoints", query={"limit": "2", "offset": "1"})
    assert [c["checkpoint_id"] for c in page["checkpoints"]] == ["weights/two", "weights/one"]
    assert page["cursor"]["total_count"] == 3


async def test_external_weights_are_served_through_signed_urls(
    wire: LocalWire, clock: FakeClock
) -> None:
    """external_weights_urls gives signed URLs that serve the files until they expire."""
    _, model = await _trained_model(wire)
    _, r = await wire.json(
        "POST", "/api/v1/save_weights_external", {"model_id": model, "path": "export"}
    )
    saved = await wire.result_json(r["request_id"])
    assert saved["path"] == f"tinker://{model}/external_weights/export"
    base = f"/api/v1/training_runs/{model}/checkpoints/external_weights/export"
    status, urls = await wire.json("GET", base + "/external_weights_urls")
    assert status == 200, urls
    assert "adapter_config.json" in urls["urls"]
    total = 0
    for url in urls["urls"].values():
        status, _, data = await wire.call("GET", urlsplit(url).path, headers={"X-API-Key": ""})
        assert status == 200
        total += len(data)
    assert total == saved["size_bytes"]
    tampered = urlsplit(next(iter(urls["urls"].values()))).path.replace("/file/", "/file/x")
    assert (await wire.call("GET", tampered))[0] == 403
    clock.advance(1000)
    assert (await wire.call("GET", urlsplit(url).path))[0] == 410


async def test_archive_redirects_to_a_signed_tar(wire: LocalWire) -> None:
    """The legacy archive endpoint answers 302 to a tar of the checkpoint's files."""
    _, model = await _trained_model(wire)
    await _save(wire, model, "arch")
    status, headers, _ = await wire.call(
        "GET",
        f"/api/v1/training_runs/{model}/checkpoints/weights/arch/archive",
        headers={"Host": "127.0.0.1:9"},
    )
    assert status == 302
    location = headers["location"]
    assert location.startswith("http://127.0.0.1:9/local/signed/")
    status, _, data = await wire.call("GET", urlsplit(location).path)
    assert status == 200
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["state.bin"]
