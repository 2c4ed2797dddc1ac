"""ServiceClient and TrainingClient over real HTTP (127.0.0.1) against the embedded backend."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.domain.custom_loss_inputs import loss_input
from tinkex.domain.types import AdamParams, Datum, ModelInput, SamplingParams
from tinkex.errors import ValidationError
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"
ADAM = AdamParams(learning_rate=2e-2)


def _batch(count: int, *, offset: int = 0, length: int = 6) -> list[Datum]:
    out = []
    for i in range(count):
        tokens = [(offset + 7 * i + 3 * j) % 200 + 10 for j in range(length)]
        out.append(
            Datum(
                model_input=ModelInput.from_ints(tokens[:-1]),
                loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (length - 1)},
            )
        )
    return out


@contextlib.asynccontextmanager
async def http_service(
    data_dir: Path, *, legacy: bool = False, client_flags: Mapping[str, object] | None = None
) -> AsyncIterator[ServiceClient]:
    backend = LocalBackend(
        data_dir,
        legacy=legacy,
        config=BackendConfig(poll_timeout_s=2.0, client_flags=dict(client_flags or {})),
    )
    server = TestServer(make_app(backend), host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        base_url = str(server.make_url("")).rstrip("/")
        async with ServiceClient(base_url=base_url, api_key="tml-test", telemetry=False) as svc:
            yield svc
    finally:
        await server.close()


async def test_every_method_works_over_http(tmp_path: Path) -> None:
    async with http_service(tmp_path) as service:
        capabilities = await service.get_server_capabilities()
        assert TINY_MODEL in [m.model_name for m in capabilities.supported_models]
        training = await service.create_lora_training_client(TINY_MODEL, rank=4, seed=0)
        data = _batch(4)
        before = await training.forward(data, "cross_entropy")
        for _ in range(2):
            await training.train_step(data, "cross_entropy", ADAM)
        result, _ = await training.train_step(data, "cross_entropy", ADAM)
        assert result.metrics["loss:sum"] < before.metrics["loss:sum"]

        state = (await training.save_state("http")).path
        sampler_path = (await training.save_weights_for_sampler("http")).path
        assert sampler_path is not None
        external_path = (await training.save_weights_external("http")).path
        assert external_path is not None
        assert external_path.endswith("/external_weights/http")
        assert (await training.load_state(state)).path == state
        resumed = await service.create_training_client_from_state_with_optimizer(state)
        assert (await resumed.get_info()).model_data.model_name == TINY_MODEL
        fresh = await service.create_training_client_from_state(state, base_model=TINY_MODEL)
        assert fresh.model_id != resumed.model_id

        tokenizer = training.get_tokenizer()
        prompt = ModelInput.from_ints(tokenizer.encode("The garden", add_bos=True))
        params = SamplingParams(max_tokens=5, temperature=0.0, seed=1)
        for sampler in (
            await training.save_weights_and_get_sampling_client(),
            await training.create_sampling_client(sampler_path),
            await service.create_sampling_client(model_path=sampler_path),
        ):
            response = await sampler.sample(prompt, 1, params)
            assert len(response.sequences[0].tokens) == 5

        rest = service.create_rest_client()
        run = await rest.get_training_run(training.model_id)
        assert run.training_run_id == training.model_id
        with pytest.raises(ValidationError):
            await service.create_sampling_client(model_path=state)  # a training checkpoint


async def test_multi_chunk_compressed_forward_backward_over_http(tmp_path: Path) -> None:
    data = _batch(5)
    async with http_service(tmp_path / "one") as service:
        whole = await (await service.create_lora_training_client(TINY_MODEL, rank=4)).forward(
            data, "cross_entropy"
        )
    flags = {"fwdbwd_max_chunk_len": 2, "proto_compress_fwdbwd": True}
    async with http_service(tmp_path / "many", client_flags=flags) as service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=4)
        chunked = await training.forward(data, "cross_entropy")
        assert (await training.optim_step(ADAM)).metrics is not None
    assert chunked.metrics["loss:sum"] == pytest.approx(whole.metrics["loss:sum"], rel=1e-9)
    for mine, theirs in zip(chunked.loss_fn_outputs, whole.loss_fn_outputs, strict=True):
        np.testing.assert_array_equal(mine["logprobs"].to_numpy(), theirs["logprobs"].to_numpy())


async def test_custom_loss_over_http_trains_like_cross_entropy(tmp_path: Path) -> None:
    def cross_entropy(
        data: list[Datum], logprobs: list[np.ndarray[Any, Any]]
    ) -> tuple[float, list[np.ndarray[Any, Any]], dict[str, float]]:
        weights = [loss_input(d, "weights").astype(np.float64) for d in data]
        loss = sum(float(-(lp * w).sum()) for lp, w in zip(logprobs, weights, strict=True))
        return loss, [-w for w in weights], {}

    data = _batch(3)
    async with http_service(tmp_path) as service:
        builtin = await service.create_lora_training_client(TINY_MODEL, rank=4, seed=2)
        custom = await service.create_lora_training_client(TINY_MODEL, rank=4, seed=2)
        await builtin.train_step(data, "cross_entropy", ADAM)
        got = await custom.forward_backward_custom(data, cross_entropy)
        await custom.optim_step(ADAM)
        a = await builtin.forward(data, "cross_entropy")
        b = await custom.forward(data, "cross_entropy")
    assert "surrogate_loss:sum" in got.metrics
    assert a.metrics["loss:sum"] == b.metrics["loss:sum"]


async def test_legacy_server_over_http(tmp_path: Path) -> None:
    async with http_service(tmp_path, legacy=True) as service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=4)
        forward = await training.forward(_batch(2), "cross_entropy")
        result, optim = await training.train_step(_batch(2), "cross_entropy", ADAM)
        saved = await training.save_state("legacy")
    assert len(forward.loss_fn_outputs) == 2
    assert result.metrics["loss:sum"] == pytest.approx(forward.metrics["loss:sum"])
    assert optim is not None
    assert saved.path.endswith("/weights/legacy")
