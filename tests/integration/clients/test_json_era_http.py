"""tinkex against a JSON-era server (the backend in legacy mode, strict) over 127.0.0.1.

The server has no ``/client/config``, so tinkex speaks the JSON-era wire: the manifest's
``json_era_flow`` creates a run from a checkpoint by creating it and then loading into it,
and options such a server cannot honour fail before anything is sent.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.domain.types import AdamParams, Datum, ModelInput, SamplingParams
from tinkex.errors import UnsupportedByServerError
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from aiohttp.typedefs import Handler

    from tinkex.manifest.schema import Manifest

TINY = "tinkex/tiny-byte-lm"
Seen = list[tuple[str, Any]]


@contextlib.asynccontextmanager
async def json_era_server(data_dir: Path) -> AsyncIterator[tuple[str, Seen]]:
    """The backend as a JSON-era server, noting each request's path and JSON body."""
    seen: Seen = []

    @web.middleware
    async def note(request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        seen.append((request.path, json.loads(raw) if raw else None))
        return await handler(request)

    app = make_app(LocalBackend(data_dir, legacy=True, config=BackendConfig(poll_timeout_s=2.0)))
    app.middlewares.append(note)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        yield str(server.make_url("")).rstrip("/"), seen
    finally:
        await server.close()


def _client(url: str, manifest: Manifest | None = None) -> ServiceClient:
    return ServiceClient(
        base_url=url, api_key="tml-json-era", telemetry=False, env={}, manifest=manifest
    )


def _data() -> list[Datum]:
    tokens = list(b"the json era, restored")
    return [
        Datum(
            model_input=ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
        )
    ]


def _posted(seen: Seen, path: str) -> list[Any]:
    return [body for seen_path, body in seen if seen_path == path]


async def test_a_run_from_a_checkpoint_is_created_then_loaded(tmp_path: Path) -> None:
    async with json_era_server(tmp_path) as (url, seen), _client(url) as service:
        training = await service.create_lora_training_client(TINY, rank=3, train_attn=False)
        await training.forward_backward(_data(), "cross_entropy")
        await training.optim_step(AdamParams(learning_rate=1e-2))
        state = (await training.save_state("s")).path
        assert state is not None
        expected = (await training.forward(_data(), "cross_entropy")).metrics["loss:sum"]
        seen.clear()
        restored = await service.create_training_client_from_state_with_optimizer(state)
        restored_loss = (await restored.forward(_data(), "cross_entropy")).metrics["loss:sum"]
    assert restored_loss == expected
    steps = [path for path, _ in seen if path != "/api/v1/retrieve_future"]
    assert steps == [
        "/api/v1/weights_info",
        "/api/v1/create_model",
        "/api/v1/get_info",
        "/api/v1/load_weights",
        "/api/v1/forward",
    ]
    [create] = _posted(seen, "/api/v1/create_model")
    assert create["lora_config"] == {
        "rank": 3,
        "seed": None,
        "train_unembed": True,
        "train_mlp": True,
        "train_attn": False,
    }
    assert "type" not in create
    assert _posted(seen, "/api/v1/load_weights") == [
        {"model_id": restored.model_id, "path": state, "optimizer": True, "seq_id": 1}
    ]
    assert _posted(seen, "/api/v1/forward")[0]["seq_id"] == 2


async def test_what_the_json_era_cannot_do_fails_before_anything_is_sent(tmp_path: Path) -> None:
    async with json_era_server(tmp_path) as (url, seen), _client(url) as service:
        training = await service.create_lora_training_client(TINY, rank=2)
        state = (await training.save_state("s")).path
        assert state is not None
        sampler = await training.save_weights_and_get_sampling_client()
        sent = len(seen)
        with pytest.raises(UnsupportedByServerError, match="weights_access_token"):
            await service.create_training_client_from_state(state, weights_access_token="tok-1")
        with pytest.raises(UnsupportedByServerError, match="topk_sample_logprobs"):
            await sampler.sample(
                ModelInput.from_ints([1, 2]),
                1,
                SamplingParams(max_tokens=2),
                topk_sample_logprobs=3,
            )
        assert len(seen) == sent
        # Asking for nothing the era lacks is fine: the same call without the option works.
        result = await sampler.sample(ModelInput.from_ints([1, 2]), 1, SamplingParams(max_tokens=2))
        assert len(result.sequences) == 1
