"""Bad input raises a ValidationError naming the field, before any request is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from training_fixtures import (
    TINY_MODEL,
    batch,
    datum,
    make_backend,
    recorded_client,
    recorded_service,
    seq_id_of,
    tiny_training,
)

from tinkex.domain.types import (
    AdamOptimizerConfig,
    AdamParams,
    Datum,
    DimuonParams,
    LossFnName,
    ModelInput,
    TensorData,
)
from tinkex.errors import RequestFailedError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tinkex.clients.training import TrainingClient

TARGETS = TensorData(data=[11, 12, 13], dtype="int64", shape=[3])
WEIGHTS = TensorData(data=[1.0, 1.0, 1.0], dtype="float32", shape=[3])


def _with(**inputs: TensorData) -> Datum:
    return Datum(
        model_input=ModelInput.from_ints([10, 11, 12]),
        loss_fn_inputs={"target_tokens": TARGETS, "weights": WEIGHTS, **inputs},
    )


def _without(key: str) -> Datum:
    inputs = {"target_tokens": TARGETS, "weights": WEIGHTS}
    del inputs[key]
    return Datum(model_input=ModelInput.from_ints([10, 11, 12]), loss_fn_inputs=inputs)


BAD_TRAINING_CALLS: list[tuple[str, Callable[[TrainingClient], object], str]] = [
    ("empty data", lambda t: t.forward_backward([], "cross_entropy"), "data"),
    ("single datum", lambda t: t.forward(datum([1, 2, 3]), "cross_entropy"), "data"),  # type: ignore[arg-type]
    ("not a datum", lambda t: t.forward([{"model_input": []}], "cross_entropy"), "data[0]"),  # type: ignore[list-item]
    (
        "empty model input",
        lambda t: t.forward([Datum(model_input=ModelInput(chunks=[]))], "cross_entropy"),
        "data[0].model_input",
    ),
    (
        "int64 tensor holding floats",
        lambda t: t.forward(
            [_with(target_tokens=TensorData(data=[1.5, 2, 3], dtype="int64"))], "cross_entropy"
        ),
        "data[0].loss_fn_inputs['target_tokens']",
    ),
    (
        "non-number values",
        lambda t: t.forward(
            [_with(weights=TensorData(data=[1.0, None, 1.0], dtype="float32"))],
            "cross_entropy",
        ),
        "data[0].loss_fn_inputs['weights']",
    ),
    (
        "NaN values",
        lambda t: t.forward(
            [_with(weights=TensorData(data=[1.0, float("nan"), 1.0], dtype="float32"))],
            "cross_entropy",
        ),
        "data[0].loss_fn_inputs['weights']",
    ),
    (
        "unknown dtype",
        lambda t: t.forward(
            [_with(weights=TensorData(data=[1.0, 1, 1], dtype="float64"))],  # type: ignore[arg-type]
            "cross_entropy",
        ),
        "data[0].loss_fn_inputs['weights']",
    ),
    (
        "shape disagrees with values",
        lambda t: t.forward(
            [_with(weights=TensorData(data=[1.0, 1.0], dtype="float32", shape=[3]))],
            "cross_entropy",
        ),
        "data[0].loss_fn_inputs['weights']",
    ),
    (
        "per-token input of the wrong length",
        lambda t: t.forward_backward(
            [_with(weights=TensorData(data=[1.0, 1.0], dtype="float32"))], "cross_entropy"
        ),
        "data[0].loss_fn_inputs['weights']",
    ),
    (
        "missing input of the loss",
        lambda t: t.forward_backward([_without("weights")], "cross_entropy"),
        "data[0].loss_fn_inputs['weights']",
    ),
    (
        "missing policy input",
        lambda t: t.forward_backward([_with()], "ppo"),
        "data[0].loss_fn_inputs['logprobs']",
    ),
    ("empty loss name", lambda t: t.forward_backward(batch(1), LossFnName("")), "loss_fn"),
    (
        "non-finite loss config",
        lambda t: t.forward_backward(batch(1), "ppo", {"clip_low_threshold": float("nan")}),
        "loss_fn_config['clip_low_threshold']",
    ),
    (
        "boolean loss config",
        lambda t: t.forward_backward(batch(1), "ppo", {"clip_low_threshold": True}),
        "loss_fn_config['clip_low_threshold']",
    ),
    (
        "custom loss without targets",
        lambda t: t.forward_backward_custom(
            [_without("target_tokens")], lambda d, lp: (0.0, lp, {})
        ),
        "data[0].loss_fn_inputs['target_tokens']",
    ),
    ("custom loss not callable", lambda t: t.forward_backward_custom(batch(1), "ce"), "loss_fn"),  # type: ignore[arg-type]
    (
        "both optimizer arguments",
        lambda t: t.optim_step(AdamParams(), adam_params=AdamParams()),
        "adam_params",
    ),
    ("no optimizer arguments", lambda t: t.optim_step(), "optim_params"),
    ("not optimizer parameters", lambda t: t.optim_step({"learning_rate": 1.0}), "optim_params"),  # type: ignore[arg-type]
    (
        "parameters of another optimizer family",
        lambda t: t.optim_step(DimuonParams(learning_rate=1e-3)),
        "optim_params",
    ),
    (
        "negative learning rate",
        lambda t: t.optim_step(AdamParams(learning_rate=-1.0)),
        "optim_params.learning_rate",
    ),
    ("beta of one", lambda t: t.optim_step(adam_params=AdamParams(beta2=1.0)), "adam_params.beta2"),
    (
        "train_step with bad optimizer",
        lambda t: t.train_step(batch(1), "cross_entropy", AdamParams(eps=0.0)),
        "optim_params.eps",
    ),
    ("TTL below an hour", lambda t: t.save_state("x", ttl_seconds=60), "ttl_seconds"),
    ("TTL not an int", lambda t: t.save_weights_for_sampler("x", ttl_seconds=1.5), "ttl_seconds"),  # type: ignore[arg-type]
    ("name with a slash", lambda t: t.save_state("a/b"), "name"),
    ("empty name", lambda t: t.save_weights_external(""), "name"),
    ("bad tinker path", lambda t: t.load_state("s3://bucket/weights/x"), "path"),
    (
        "sampler path loaded as state",
        lambda t: t.load_state_with_optimizer("tinker://run:train:0/sampler_weights/x"),
        "path",
    ),
]


async def test_bad_training_input_is_refused_before_sending(tmp_path: Path) -> None:
    # One run serves every case: a refused call sends nothing and reserves no request id.
    async with recorded_service(tmp_path) as (service, recorder):
        training = await tiny_training(service)
        sent = len(recorder.sent)
        for name, call, field in BAD_TRAINING_CALLS:
            with pytest.raises(ValidationError) as raised:
                call(training)
            assert (name, raised.value.field) == (name, field)
            assert (name, len(recorder.sent)) == (name, sent)
        assert training._submitter.sequencer.next_id == 0
        await training.optim_step(AdamParams())
        assert [seq_id_of(r) for r in recorder.to("optim_step")] == [1]


async def test_ragged_or_mistyped_lists_fail_where_the_datum_is_built(tmp_path: Path) -> None:
    # Any: a type checker refuses these values; the run-time check is what is tested.
    cases: list[tuple[Any, str]] = [
        ([[11, 12], [13]], "ragged"),
        ([11.5, 12.0, 13.0], "whole numbers"),
        (np.array([True, False, True]), "bool"),
    ]
    async with recorded_service(tmp_path) as (service, recorder):
        training = await tiny_training(service)
        sent = len(recorder.sent)
        for value, problem in cases:
            with pytest.raises(ValidationError, match=problem) as raised:
                training.forward_backward(
                    [
                        Datum(
                            model_input=ModelInput.from_ints([10, 11, 12]),
                            loss_fn_inputs={"target_tokens": value},
                        )
                    ],
                    "cross_entropy",
                )
            assert raised.value.field == "loss_fn_inputs['target_tokens']"
        assert len(recorder.sent) == sent


async def test_bad_training_client_arguments_send_nothing(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: service.create_lora_training_client(""), "base_model"),
        (lambda: service.create_lora_training_client(TINY_MODEL, rank=0), "rank"),
        (lambda: service.create_lora_training_client(TINY_MODEL, rank=True), "rank"),
        (lambda: service.create_lora_training_client(TINY_MODEL, seed=-1), "seed"),
        (
            lambda: service.create_lora_training_client(
                TINY_MODEL, train_mlp=False, train_attn=False, train_unembed=False
            ),
            "train_mlp",
        ),
        (
            lambda: service.create_lora_training_client(TINY_MODEL, optimizer=AdamParams()),  # type: ignore[arg-type]
            "optimizer",
        ),
        (lambda: service.create_training_client_from_state("tinker://bad"), "path"),
        (
            lambda: service.create_training_client_from_state(
                "tinker://r:train:0/weights/a",
                optimizer=AdamParams(),  # type: ignore[arg-type]
            ),
            "optimizer",
        ),
        (
            lambda: service.create_training_client_from_state_with_optimizer(
                "tinker://r:train:0/external_weights/a"
            ),
            "path",
        ),
        (lambda: service.create_sampling_client(), "model_path"),
        (
            lambda: service.create_sampling_client("tinker://r:train:0/weights/a"),
            "model_path",
        ),
    ]
    try:
        for call, field in cases:
            with pytest.raises(ValidationError) as raised:
                await call()
            assert raised.value.field == field
        # Not even the lazy start (client/config, create_session) happened.
        assert recorder.sent == []
        training = await service.create_lora_training_client(
            TINY_MODEL, rank=2, optimizer=AdamOptimizerConfig()
        )
        assert training.model_id.endswith(":train:0")
    finally:
        await service.close()
        await backend.aclose()


async def test_unknown_loss_input_is_refused_by_the_server_as_user_error(tmp_path: Path) -> None:
    extra = _with(bonus=TensorData.from_numpy(np.ones(3, dtype=np.float32)))
    async with recorded_service(tmp_path) as (service, _):
        training = await tiny_training(service)
        with pytest.raises(RequestFailedError, match="bonus") as failed:
            await training.forward_backward([extra], "cross_entropy")
        assert failed.value.category == "user"
        # An ordinary server-side failure does not poison the client.
        await training.forward_backward(batch(1), "cross_entropy")


async def test_string_config_is_refused_for_a_json_era_server(tmp_path: Path) -> None:
    async with recorded_service(tmp_path, legacy=True) as (service, recorder):
        training = await tiny_training(service)
        sent = len(recorder.sent)
        with pytest.raises(ValidationError) as raised:
            training.forward_backward(batch(1), "cross_entropy", {"mode": "mean"})
        assert raised.value.field == "loss_fn_config['mode']"
        assert len(recorder.sent) == sent
