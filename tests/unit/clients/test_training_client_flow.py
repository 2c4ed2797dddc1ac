"""TrainingClient end to end against the in-process embedded backend."""

from __future__ import annotations

import contextlib
import importlib.util
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import pytest
from training_fixtures import (
    TINY_MODEL,
    batch,
    datum,
    endpoint_of,
    json_body,
    recorded_service,
    seq_id_of,
    tiny_training,
)

from tinkex.clients.sampling import SamplingClient
from tinkex.clients.training import TrainingClient
from tinkex.domain.custom_loss import torch_loss_adapter
from tinkex.domain.custom_loss_inputs import loss_input
from tinkex.domain.ordering import PoisonedClientError
from tinkex.domain.types import AdamParams, Datum, DimuonOptimizerConfig, DimuonParams
from tinkex.errors import RequestFailedError, TinkexError

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.clients.futures import APIFuture

ADAM = AdamParams(learning_rate=1e-2)


def _cross_entropy(
    data: list[Datum], logprobs: list[np.ndarray[Any, Any]]
) -> tuple[float, list[np.ndarray[Any, Any]], dict[str, float]]:
    """Cross-entropy written as a client-side loss: L = -sum(w * logp), dL/dlogp = -w."""
    loss, grads = 0.0, []
    for item, logprob in zip(data, logprobs, strict=True):
        weights = loss_input(item, "weights").astype(np.float64)
        loss += float(-(logprob * weights).sum())
        grads.append(-weights)
    return loss, grads, {"custom/tokens:sum": float(sum(len(lp) for lp in logprobs))}


async def test_every_training_method_works_end_to_end(tmp_path: Path) -> None:
    async with recorded_service(tmp_path) as (service, _):
        training = await tiny_training(service)
        data = batch(3)
        forward = await training.forward(data, "cross_entropy")
        assert len(forward.loss_fn_outputs) == 3
        assert forward.loss_fn_outputs[0]["logprobs"].to_numpy().shape == (5,)
        result, optim = await training.train_step(data, "cross_entropy", ADAM)
        assert result.metrics["loss:sum"] == pytest.approx(forward.metrics["loss:sum"])
        assert optim.metrics is not None
        assert optim.metrics["learning_rate:mean"] == 1e-2
        after = await training.forward(data, "cross_entropy")
        assert after.metrics["loss:sum"] < forward.metrics["loss:sum"]

        state = await training.save_state("step1")
        assert state.path == f"tinker://{training.model_id}/weights/step1"
        sampler_path = (await training.save_weights_for_sampler("s1")).path
        assert sampler_path is not None
        assert sampler_path == f"tinker://{training.model_id}/sampler_weights/s1"
        external = await training.save_weights_external("e1")
        assert external.path is not None
        assert external.path.endswith("/external_weights/e1")
        loaded = await training.load_state(state.path)
        assert loaded.path == state.path
        await training.load_state_with_optimizer(state.path)

        sampler = await training.create_sampling_client(sampler_path)
        ephemeral = await training.save_weights_and_get_sampling_client()
        assert isinstance(sampler, SamplingClient)
        assert isinstance(ephemeral, SamplingClient)
        info = await training.get_info()
        assert info.model_id == training.model_id
        assert info.lora_rank == 4
        assert training.get_console_url().endswith(f"/training_runs/{training.model_id}")
        tokenizer = training.get_tokenizer()
        assert tokenizer.decode(tokenizer.encode("garden")) == "garden"


async def test_pipelined_calls_are_submitted_in_call_order(tmp_path: Path) -> None:
    async with recorded_service(tmp_path) as (service, recorder):
        training = await tiny_training(service)
        before = len(recorder.sent)
        futures: list[APIFuture[Any]] = [
            training.forward_backward(batch(2), "cross_entropy"),
            training.optim_step(ADAM),
            training.save_state("a"),
            training.forward_backward(batch(2, offset=5), "cross_entropy"),
            training.optim_step(adam_params=ADAM),
        ]
        for future in futures:
            await future
        sent = [
            (endpoint_of(r), seq_id_of(r))
            for r in recorder.sent[before:]
            if endpoint_of(r) in {"forward_backward", "optim_step", "save_weights"}
        ]
        assert sent == [
            ("forward_backward", 1),
            ("optim_step", 2),
            ("save_weights", 3),
            ("forward_backward", 4),
            ("optim_step", 5),
        ]


async def test_multi_chunk_forward_backward_sends_first_chunk_last_and_combines(
    tmp_path: Path,
) -> None:
    data = batch(5)
    async with recorded_service(tmp_path / "whole") as (service, _):
        whole = await (await tiny_training(service)).forward_backward(data, "cross_entropy")
    async with recorded_service(tmp_path / "chunks", client_flags={"fwdbwd_max_chunk_len": 2}) as (
        service,
        recorder,
    ):
        training = await tiny_training(service)
        before = len(recorder.sent)
        chunked = await training.forward_backward(data, "cross_entropy")
        seq_ids = [
            seq_id_of(r) for r in recorder.to("forward_backward") if r in recorder.sent[before:]
        ]
        after = await training.optim_step(ADAM)
    assert len(seq_ids) == 3
    assert seq_ids[-1] == 1
    assert sorted(seq_ids) == [1, 2, 3]
    assert after is not None
    # loss:sum is summed across chunks and outputs are concatenated in datum order.
    assert chunked.metrics["loss:sum"] == pytest.approx(whole.metrics["loss:sum"], rel=1e-9)
    assert len(chunked.loss_fn_outputs) == 5
    for mine, theirs in zip(chunked.loss_fn_outputs, whole.loss_fn_outputs, strict=True):
        np.testing.assert_allclose(mine["logprobs"].to_numpy(), theirs["logprobs"].to_numpy())


async def test_serial_chunk_mode_sends_chunks_in_order(tmp_path: Path) -> None:
    flags = {"fwdbwd_max_chunk_len": 2, "parallel_fwdbwd_chunks": False}
    async with recorded_service(tmp_path, client_flags=flags) as (service, recorder):
        training = await tiny_training(service)
        fwd_bwd = training.forward_backward(batch(5), "cross_entropy")
        optim = training.optim_step(ADAM)
        result, _ = await fwd_bwd, await optim
        sent = [seq_id_of(r) for r in recorder.to("forward_backward", "optim_step")]
    assert sent == [1, 2, 3, 4]
    assert len(result.loss_fn_outputs) == 5


async def test_chunks_are_split_by_estimated_bytes(tmp_path: Path) -> None:
    # Each datum of 6 tokens costs about 5*4 + 5*8 + 5*4 bytes plus overhead: 3 per chunk.
    flags = {"fwdbwd_max_chunk_bytes_count": 300}
    async with recorded_service(tmp_path, client_flags=flags) as (service, recorder):
        training = await tiny_training(service)
        await training.forward(batch(4), "cross_entropy")
        assert len(recorder.to("forward_backward")) > 1


async def test_custom_loss_matches_the_builtin_loss_bit_for_bit(tmp_path: Path) -> None:
    data = batch(3)
    async with recorded_service(tmp_path, client_flags={"fwdbwd_max_chunk_len": 2}) as (
        service,
        recorder,
    ):
        builtin = await tiny_training(service)
        custom = await tiny_training(service)
        before = len(recorder.sent)
        expected = await builtin.forward_backward(data, "cross_entropy")
        got = await custom.forward_backward_custom(data, _cross_entropy)
        custom_seq = [
            seq_id_of(r)
            for r in recorder.sent[before:]
            if endpoint_of(r) == "forward_backward" and custom.model_id.encode() in (r.body or b"")
        ]
        await builtin.optim_step(ADAM)
        await custom.optim_step(ADAM)
        check_a = await builtin.forward(data, "cross_entropy")
        check_b = await custom.forward(data, "cross_entropy")
    # Two phases of two chunks each: forward ids 1-2, backward ids 3-4, first chunk last.
    assert custom_seq == [2, 1, 4, 3]
    assert got.metrics["surrogate_loss:sum"] == expected.metrics["loss:sum"]
    assert got.metrics["loss:sum"] == pytest.approx(expected.metrics["loss:sum"], rel=1e-6)
    assert got.metrics["custom/tokens:sum"] == 15.0
    assert check_a.metrics["loss:sum"] == check_b.metrics["loss:sum"]


async def test_custom_loss_failure_poisons_the_client(tmp_path: Path) -> None:
    def broken(data: list[Datum], logprobs: list[np.ndarray[Any, Any]]) -> Any:
        raise ZeroDivisionError("bug in the loss")

    async with recorded_service(tmp_path) as (service, _):
        training = await tiny_training(service)
        failing = training.forward_backward_custom(batch(2), broken)
        queued = training.optim_step(ADAM)
        with pytest.raises(ZeroDivisionError):
            await failing
        with pytest.raises(PoisonedClientError):
            await queued
        with pytest.raises(PoisonedClientError):
            training.forward(batch(1), "cross_entropy")


async def test_torch_loss_adapter_without_torch_fails_naming_torch(tmp_path: Path) -> None:
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed: the ImportError path cannot be shown")

    def torch_loss(data: list[Datum], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        return sum(-(lp).sum() for lp in logprobs), {}

    async with recorded_service(tmp_path) as (service, _):
        training = await tiny_training(service)
        with pytest.raises(ImportError, match="torch"):
            await training.forward_backward_custom(batch(2), torch_loss_adapter(torch_loss))


async def test_torch_loss_adapter_trains_like_cross_entropy(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    def torch_loss(data: list[Datum], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
        weights = [
            torch.tensor(loss_input(d, "weights"), dtype=lp.dtype)
            for d, lp in zip(data, logprobs, strict=True)
        ]
        return sum(-(lp * w).sum() for lp, w in zip(logprobs, weights, strict=True)), {}

    async with recorded_service(tmp_path) as (service, _):
        builtin, custom = await tiny_training(service), await tiny_training(service)
        expected = await builtin.forward_backward(batch(2), "cross_entropy")
        got = await custom.forward_backward_custom(batch(2), torch_loss_adapter(torch_loss))
    assert got.metrics["surrogate_loss:sum"] == pytest.approx(expected.metrics["loss:sum"])


async def test_policy_losses_and_string_config_reach_the_server(tmp_path: Path) -> None:
    tokens = [10, 11, 12, 13, 14]
    rl = Datum(
        model_input=datum(tokens).model_input,
        loss_fn_inputs={
            "target_tokens": tokens[1:],
            "logprobs": [-1.0] * 4,
            "advantages": [1.0, -1.0, 0.5, 0.0],
        },
    )
    async with recorded_service(tmp_path) as (service, _):
        training = await tiny_training(service)
        ppo = await training.forward_backward(
            [rl], "ppo", {"clip_low_threshold": 0.7, "clip_high_threshold": "1.3"}
        )
        assert "clip_fraction:mean" in ppo.metrics
        sampling = await training.forward([rl], "importance_sampling")
        assert len(sampling.loss_fn_outputs) == 1


async def test_optimizer_family_is_sent_with_create_model(tmp_path: Path) -> None:
    async with recorded_service(tmp_path) as (service, recorder):
        # The embedded backend trains with AdamW only and says so; the request is still
        # the one a real server gets.
        with pytest.raises(RequestFailedError, match="dimuon") as failed:
            await service.create_lora_training_client(
                TINY_MODEL, rank=4, optimizer=DimuonOptimizerConfig()
            )
        assert failed.value.request_type == "CreateModel"
        body = json_body(recorder.to("create_model")[-1])
        assert body["optimizer_config"] == {"type": "dimuon", "version": 1}
        assert body["lora_config"]["rank"] == 4


async def test_dimuon_step_is_sent_as_optimizer_params(tmp_path: Path) -> None:
    async with recorded_service(tmp_path) as (service, recorder):
        adam_run = await tiny_training(service)
        info = await adam_run.get_info()
        # A client for a Dimuon run (the embedded backend trains with AdamW only).
        dimuon_run = TrainingClient(
            service.runtime,
            model_id=adam_run.model_id,
            base_model=TINY_MODEL,
            info=msgspec.structs.replace(info, optimizer_config=DimuonOptimizerConfig()),
        )
        with contextlib.suppress(TinkexError):  # the backend may refuse the family
            await dimuon_run.optim_step(DimuonParams(learning_rate=1e-3, beta1=0.5))
        body = json_body(recorder.to("optim_step")[-1])
    assert body["optimizer_params"] == {
        "type": "dimuon",
        "learning_rate": 1e-3,
        "grad_clip_norm": 0.0,
        "beta1": 0.5,
    }
    assert body.get("adam_params") is None


async def test_legacy_server_gets_json_bodies_end_to_end(tmp_path: Path) -> None:
    async with recorded_service(tmp_path, legacy=True) as (service, recorder):
        training = await tiny_training(service)
        forward = await training.forward(batch(2), "cross_entropy")
        result, _ = await training.train_step(batch(2), "cross_entropy", ADAM)
        saved = await training.save_state("legacy")
        assert len(forward.loss_fn_outputs) == 2
        assert "loss:sum" in result.metrics
        assert saved.path.endswith("/weights/legacy")
        endpoints = recorder.endpoints()
        assert "forward" in endpoints
        assert "forward_backward" in endpoints
        for request in recorder.to("forward", "forward_backward"):
            assert request.header("Content-Type") == "application/json"
        assert json_body(recorder.to("forward_backward")[0])["forward_backward_input"]["data"]
