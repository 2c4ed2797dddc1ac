"""JsonEraCodec: request bodies as SDK 0.16.1 writes them, from the manifest's field lists."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tinkex.adapters.json_era_codec import JsonEraCodec
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.domain.types import (
    AdamParams,
    CreateModelRequest,
    CreateSessionRequest,
    Datum,
    DimuonOptimizerConfig,
    ForwardBackwardInput,
    ForwardBackwardRequestLegacy,
    LoraConfig,
    ModelInput,
    OptimStepRequest,
    SampleRequest,
    SamplingParams,
    SaveWeightsForSamplerRequest,
    SaveWeightsRequest,
    TensorData,
)
from tinkex.errors import UnsupportedByServerError

CODEC = JsonEraCodec(MsgspecJsonCodec())


def _json(obj: object) -> Any:
    return json.loads(CODEC.encode(obj))


def test_no_type_tag_at_any_depth_and_nulls_where_the_era_sends_them() -> None:
    body = _json(
        SampleRequest(
            prompt=ModelInput.from_ints([1, 2]),
            sampling_params=SamplingParams(max_tokens=3),
            sampling_session_id="s:sample:0",
            seq_id=0,
            prompt_logprobs=True,
        )
    )
    assert body == {
        "num_samples": 1,
        "prompt": {"chunks": [{"tokens": [1, 2]}]},
        "sampling_params": {"max_tokens": 3, "temperature": 1.0, "top_k": -1, "top_p": 1.0},
        "sampling_session_id": "s:sample:0",
        "seq_id": 0,
        "prompt_logprobs": True,
        "topk_prompt_logprobs": 0,
    }
    assert _json(CreateSessionRequest(tags=["a"], user_metadata=None, sdk_version="0.16.1")) == {
        "tags": ["a"],
        "user_metadata": None,
        "sdk_version": "0.16.1",
        "project_id": None,
    }
    assert _json(SaveWeightsRequest(model_id="m", path="p", seq_id=3)) == {
        "model_id": "m",
        "path": "p",
        "seq_id": 3,
        "ttl_seconds": None,
    }


def test_fields_the_era_lacks_are_dropped_when_they_ask_for_nothing() -> None:
    create = CreateModelRequest(
        session_id="s", model_seq_id=0, base_model="b", lora_config=LoraConfig(rank=4)
    )
    assert _json(create) == {
        "session_id": "s",
        "model_seq_id": 0,
        "base_model": "b",
        "user_metadata": None,
        "lora_config": {
            "rank": 4,
            "seed": None,
            "train_unembed": True,
            "train_mlp": True,
            "train_attn": True,
        },
    }
    saved = SaveWeightsForSamplerRequest(model_id="m", sampling_session_seq_id=0, seq_id=4)
    assert "kind" not in _json(saved)  # its default, "snapshot"


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        (
            CreateModelRequest(
                session_id="s",
                model_seq_id=0,
                base_model="b",
                optimizer_config=DimuonOptimizerConfig(),
            ),
            r"CreateModelRequest\.optimizer_config",
        ),
        (
            SaveWeightsRequest(model_id="m", path="p", overwrite=True),
            r"SaveWeightsRequest\.overwrite",
        ),
        (
            SampleRequest(
                prompt=ModelInput.from_ints([1]),
                sampling_params=SamplingParams(),
                prompt_alt_tokens_k=2,
            ),
            r"SampleRequest\.prompt_alt_tokens_k",
        ),
    ],
)
def test_fields_the_era_lacks_are_refused_when_they_ask_for_something(
    request_body: object, field: str
) -> None:
    with pytest.raises(UnsupportedByServerError, match=field):
        CODEC.encode(request_body)


def test_nested_datums_and_tensors_keep_only_the_era_fields() -> None:
    datum = Datum(
        model_input=ModelInput.from_ints([5, 6]),
        loss_fn_inputs={"target_tokens": np.array([6, 7]), "weights": [1.0, 0.0]},
    )
    body = _json(
        ForwardBackwardRequestLegacy(
            forward_backward_input=ForwardBackwardInput(data=[datum], loss_fn="cross_entropy"),
            model_id="m",
            seq_id=1,
        )
    )
    assert body == {
        "forward_backward_input": {
            "data": [
                {
                    "loss_fn_inputs": {
                        "target_tokens": {"data": [6, 7], "dtype": "int64", "shape": [2]},
                        "weights": {"data": [1.0, 0.0], "dtype": "float32", "shape": [2]},
                    },
                    "model_input": {"chunks": [{"tokens": [5, 6]}]},
                }
            ],
            "loss_fn": "cross_entropy",
            "loss_fn_config": None,
        },
        "model_id": "m",
        "seq_id": 1,
    }
    sparse = TensorData(data=[1.0], dtype="float32", shape=[1, 2], sparse_col_indices=[1])
    with pytest.raises(UnsupportedByServerError, match=r"TensorData\.sparse_col_indices"):
        CODEC.encode(sparse)


def test_prepared_bodies_and_decoding_are_the_plain_codecs() -> None:
    assert CODEC.encode({"events": [], "type": "kept"}) == b'{"events":[],"type":"kept"}'
    decoded = CODEC.decode(b'{"adam_params": null, "model_id": "m"}', OptimStepRequest)
    assert decoded.model_id == "m"
    assert _json(OptimStepRequest(model_id="m", seq_id=2, adam_params=AdamParams())) == {
        "model_id": "m",
        "seq_id": 2,
        "adam_params": {
            "learning_rate": 0.0001,
            "beta1": 0.9,
            "beta2": 0.95,
            "eps": 1e-12,
            "weight_decay": 0.0,
            "grad_clip_norm": 0.0,
        },
    }
