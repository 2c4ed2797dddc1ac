from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec
import numpy as np
import pytest
from aiohttp.test_utils import TestServer

from tinkex.local import BackendConfig, FaultPlan, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS
from tinkex.proto.wire import (
    ForwardBackwardRequestArrays,
    ProtoDatum,
    TextChunk,
    decode_forward_backward_output,
    decode_sample_response,
    encode_forward_backward_request,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

PROTO = "application/x-protobuf"
HEADERS = {"X-API-Key": "tml-integration"}


async def _server(backend: LocalBackend) -> TestServer:
    server = TestServer(make_app(backend))
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    return server


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    backend = LocalBackend(tmp_path, config=BackendConfig(poll_timeout_s=2.0))
    server = await _server(backend)
    async with aiohttp.ClientSession(headers=HEADERS) as client:
        yield client, str(server.make_url(""))
    await server.close()


async def _post(client: aiohttp.ClientSession, url: str, body: object) -> Any:
    async with client.post(url, json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _result(
    client: aiohttp.ClientSession, base: str, request_id: str, accept: str = "application/json"
) -> tuple[str, bytes]:
    for _ in range(100):
        async with client.post(
            base + "/api/v1/retrieve_future",
            json={"request_id": request_id, "allow_metadata_only": True},
            headers={"Accept": accept},
        ) as response:
            assert response.status == 200
            raw = await response.read()
            if response.content_type == "application/json":
                body = msgspec.json.decode(raw)
                assert "error" not in body, body
                if body.get("type") == "try_again":
                    continue
            return response.content_type, raw
    raise AssertionError("never finished")


async def test_full_flow_over_http(http: tuple[aiohttp.ClientSession, str]) -> None:
    """Session → model → proto forward_backward (zstd) → optim → save → sample → REST list."""
    client, base = http
    api = base + "/api/v1"
    config = await _post(client, api + "/client/config", {"sdk_version": "0.38.0"})
    assert config["use_pyqwest_transport"] is False
    session = (
        await _post(
            client,
            api + "/create_session",
            {"tags": [], "user_metadata": {}, "sdk_version": "0.38.0", "type": "create_session"},
        )
    )["session_id"]
    created = await _post(
        client,
        api + "/create_model",
        {
            "session_id": session,
            "model_seq_id": 0,
            "base_model": "Qwen/Qwen3-8B",
            "lora_config": {
                "rank": 4,
                "train_unembed": True,
                "train_mlp": True,
                "train_attn": True,
            },
            "optimizer_config": {"type": "adamw"},
            "type": "create_model",
        },
    )
    _, raw = await _result(client, base, created["request_id"])
    model = msgspec.json.decode(raw)["model_id"]
    tokens = list(b"over the wire")
    datum = ProtoDatum(
        chunks=[TextChunk(np.asarray(tokens[:-1], dtype=np.int32))],
        loss_fn_inputs={
            "target_tokens": np.asarray(tokens[1:], dtype=np.int64),
            "weights": np.ones(len(tokens) - 1, dtype=np.float32),
        },
    )
    body = encode_forward_backward_request(
        ForwardBackwardRequestArrays(model, 1, [datum], "cross_entropy", None, False),
        compress=True,
    )
    async with client.post(
        api + "/forward_backward",
        data=body,
        headers={"Content-Type": PROTO, "Content-Encoding": "zstd"},
    ) as response:
        assert response.status == 200, await response.text()
        fb = await response.json()
    optim = await _post(
        client,
        api + "/optim_step",
        {
            "model_id": model,
            "seq_id": 2,
            "type": "optim_step",
            "adam_params": {"learning_rate": 0.01},
        },
    )
    media, raw = await _result(client, base, fb["request_id"], accept=PROTO)
    assert media == PROTO
    out = decode_forward_backward_output(raw)
    assert out.loss_fn_outputs[0]["logprobs"].shape == (len(tokens) - 1,)
    assert out.metrics["loss:sum"] > 0
    await _result(client, base, optim["request_id"])
    saved = await _post(
        client,
        api + "/save_weights_for_sampler",
        {"model_id": model, "path": "s", "seq_id": 3, "type": "save_weights_for_sampler"},
    )
    _, raw = await _result(client, base, saved["request_id"])
    sampler_path = msgspec.json.decode(raw)["path"]
    sampler = (
        await _post(
            client,
            api + "/create_sampling_session",
            {"session_id": session, "sampling_session_seq_id": 0, "model_path": sampler_path},
        )
    )["sampling_session_id"]
    sample = await _post(
        client,
        api + "/asample",
        {
            "num_samples": 1,
            "prompt": {"chunks": [{"tokens": tokens[:4], "type": "encoded_text"}]},
            "sampling_params": {"max_tokens": 5, "temperature": 0.0, "top_k": -1, "top_p": 1.0},
            "sampling_session_id": sampler,
            "seq_id": 0,
            "prompt_logprobs": False,
            "topk_prompt_logprobs": 0,
            "type": "sample",
        },
    )
    media, raw = await _result(client, base, sample["request_id"], accept=PROTO)
    assert media == PROTO
    assert len(decode_sample_response(raw).sequences[0].tokens) <= 5
    async with client.get(api + "/checkpoints") as response:
        listed = await response.json()
    assert [c["tinker_path"] for c in listed["checkpoints"]] == [sampler_path]
    async with client.get(api + "/training_runs") as response:
        runs = await response.json()
    assert runs["cursor"]["total_count"] == 1
    assert runs["training_runs"][0]["last_sampler_checkpoint"]["tinker_path"] == sampler_path
    async with client.post(api + "/telemetry", json={"events": [{"event": "X"}]}) as response:
        assert await response.json() == {"status": "accepted"}
    await _downloads_over_http(client, base, model)


async def _downloads_over_http(client: aiohttp.ClientSession, base: str, model: str) -> None:
    api = base + "/api/v1"
    saved = await _post(
        client, api + "/save_weights_external", {"model_id": model, "path": "ext", "seq_id": 4}
    )
    _, raw = await _result(client, base, saved["request_id"])
    assert msgspec.json.decode(raw)["path"].endswith("/external_weights/ext")
    ckpt = f"{api}/training_runs/{model}/checkpoints/external_weights/ext"
    async with client.get(ckpt + "/external_weights_urls") as response:
        urls = (await response.json())["urls"]
    for name, url in urls.items():
        async with client.get(url, headers={"X-API-Key": ""}) as response:
            assert response.status == 200, (name, await response.text())
            assert await response.read()
    async with client.get(ckpt + "/archive") as response:
        assert response.status == 200  # the 302 was followed to the signed tar
        assert response.content_type == "application/x-tar"
        assert len(await response.read()) >= 1024


async def test_auth_and_dropped_connections_over_http(tmp_path: Path) -> None:
    """No key → 401; a dropped connection is seen by the client as a disconnect."""
    plan = FaultPlan(drop_connection=1.0, endpoints=("training_runs",))
    server = await _server(LocalBackend(tmp_path, fault_plan=plan))
    url = str(server.make_url("/api/v1/training_runs"))
    async with aiohttp.ClientSession() as client:
        async with client.get(url) as response:
            assert response.status == 401
        with pytest.raises(aiohttp.ClientConnectionError):
            async with client.get(url, headers=HEADERS) as response:
                await response.read()
    await server.close()
