"""A tinker path of another shape, handed out by a server, works in every method that takes one.

The embedded backend is told to hand out sampler weights as ``tinker://<run>/<name>`` (the
shape some third-party servers use) and is reached over HTTP on 127.0.0.1, as a JSON-era
server and as a current one. The path it returns goes back unchanged through sampling, the
REST client (weights info, run lookup, publish, TTL, archive URL, copy, delete) and the
checkpoint listing; calls that need a training state still get the server's refusal.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.domain.types import AdamParams, Datum, ModelInput, SamplingParams
from tinkex.errors import APIStatusError, BadRequestError, NotFoundError, RequestFailedError
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"


@contextlib.asynccontextmanager
async def served(
    data_dir: Path, *, legacy: bool, short_sampler_paths: bool = True
) -> AsyncIterator[str]:
    backend = LocalBackend(
        data_dir,
        legacy=legacy,
        config=BackendConfig(poll_timeout_s=2.0, short_sampler_paths=short_sampler_paths),
    )
    server = TestServer(make_app(backend), host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def _datum() -> Datum:
    tokens = list(b"short paths round trip")
    return Datum(
        model_input=ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


@pytest.mark.parametrize("legacy", [True, False], ids=["json-era", "current"])
async def test_a_short_sampler_path_round_trips_through_every_method(
    tmp_path: Path, legacy: bool
) -> None:
    async with (
        served(tmp_path, legacy=legacy) as url,
        ServiceClient(base_url=url, api_key="tml-paths", telemetry=False, env={}) as service,
    ):
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        await training.forward_backward([_datum()], "cross_entropy")
        await training.optim_step(AdamParams(learning_rate=1e-2))
        state = (await training.save_state("state")).path
        short = (await training.save_weights_for_sampler("final")).path
        run_id = training.model_id
        assert state == f"tinker://{run_id}/weights/state"
        assert short == f"tinker://{run_id}/final"

        sampler = await service.create_sampling_client(model_path=short)
        sample = await sampler.sample(
            ModelInput.from_ints([1, 2, 3]), 1, SamplingParams(max_tokens=3, seed=1)
        )
        assert len(sample.sequences[0].tokens) == 3

        rest = service.create_rest_client()
        info = await rest.get_weights_info_by_tinker_path(short)
        assert (info.base_model, info.lora_rank) == (TINY_MODEL, 2)
        assert (await rest.get_training_run_by_tinker_path(short)).training_run_id == run_id
        listed = {c.tinker_path: c for c in (await rest.list_checkpoints(run_id)).checkpoints}
        assert set(listed) == {state, short}
        assert listed[short].checkpoint_id == "final"

        await rest.publish_checkpoint_from_tinker_path(short)
        listed_now = (await rest.list_checkpoints(run_id)).checkpoints
        public = {c.tinker_path: c.public for c in listed_now}
        assert public == {state: False, short: True}
        await rest.unpublish_checkpoint_from_tinker_path(short)
        await rest.set_checkpoint_ttl_from_tinker_path(short, 7200)
        expiring = (await rest.list_checkpoints(run_id)).checkpoints
        assert [c.tinker_path for c in expiring if c.expires_at is not None] == [short]
        archive = await rest.get_checkpoint_archive_url_from_tinker_path(short)
        assert archive.url.startswith(url)

        copy = await rest.copy_weights(short, "p-1")
        assert copy.startswith("tinker://copy-")
        assert copy.endswith("/final")
        assert (await rest.get_weights_info_by_tinker_path(copy)).lora_rank == 2

        # The shape says nothing about the kind: the server judges, and refuses a sampler
        # checkpoint where a training state is needed.
        with pytest.raises((BadRequestError, RequestFailedError), match="weights"):
            await service.create_training_client_from_state(short)
        with pytest.raises((BadRequestError, RequestFailedError), match="weights"):
            await training.load_state(short)

        await rest.delete_checkpoint_from_tinker_path(short)
        with pytest.raises(NotFoundError):
            await rest.get_weights_info_by_tinker_path(short)
        await rest.delete_checkpoint(copy.split("/")[2], "final")
        assert (await rest.list_checkpoints(run_id)).checkpoints[0].tinker_path == state


async def test_the_official_shape_still_reaches_a_short_path_checkpoint(tmp_path: Path) -> None:
    async with (
        served(tmp_path, legacy=True) as url,
        ServiceClient(base_url=url, api_key="tml-paths", telemetry=False, env={}) as service,
    ):
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        short = (await training.save_weights_for_sampler("s")).path
        assert short == f"tinker://{training.model_id}/s"
        long_form = f"tinker://{training.model_id}/sampler_weights/s"
        rest = service.create_rest_client()
        assert (await rest.get_weights_info_by_tinker_path(long_form)).lora_rank == 2
        await rest.delete_checkpoint(training.model_id, "sampler_weights/s")
        with pytest.raises(NotFoundError):
            await rest.get_weights_info_by_tinker_path(short)


async def test_a_server_that_hands_out_no_short_paths_refuses_them(tmp_path: Path) -> None:
    async with (
        served(tmp_path, legacy=True, short_sampler_paths=False) as url,
        ServiceClient(base_url=url, api_key="tml-paths", telemetry=False, env={}) as service,
    ):
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        path = (await training.save_weights_for_sampler("s")).path
        assert path == f"tinker://{training.model_id}/sampler_weights/s"
        rest = service.create_rest_client()
        with pytest.raises(APIStatusError) as refused:
            await rest.get_weights_info_by_tinker_path(f"tinker://{training.model_id}/s")
        assert refused.value.status == 400
        assert "Invalid tinker path" in str(refused.value)
