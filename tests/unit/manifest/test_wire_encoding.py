"""Generated wire types encode like the official SDK: None omitted, defaults and tags sent."""

from __future__ import annotations

import datetime

import msgspec
import pytest

from tinkex.domain.types import (
    AdamParams,
    ClientSessionFinishSuccess,
    CreateModelRequest,
    CreateSessionRequest,
    Datum,
    DimuonParams,
    EncodedTextChunk,
    FinishSessionRequest,
    ForwardBackwardInput,
    ForwardBackwardRequestLegacy,
    FuturesRetrieveRequest,
    GetInfoResponse,
    ImageChunk,
    LoadWeightsRequest,
    LoraConfig,
    ModelInput,
    ModelInputChunk,
    OptimStepRequest,
    SampleRequest,
    SampleResponseJson,
    SamplingParams,
    SamplingSessionTarget,
    SessionSummary,
    SetCheckpointTtlRequest,
    TelemetryEvent,
    TensorData,
    TrainingRun,
)


def _json(obj: object) -> object:
    return msgspec.json.decode(msgspec.json.encode(obj))


def test_create_model_request_matches_the_verified_body() -> None:
    """CreateModelRequest sends the tag and LoRA defaults and leaves out None fields."""
    request = CreateModelRequest(
        session_id="s", model_seq_id=0, base_model="Qwen/Qwen3-8B", lora_config=LoraConfig(rank=8)
    )
    assert _json(request) == {
        "session_id": "s",
        "model_seq_id": 0,
        "base_model": "Qwen/Qwen3-8B",
        "lora_config": {"rank": 8, "train_unembed": True, "train_mlp": True, "train_attn": True},
        "optimizer_config": {"type": "adamw"},
        "type": "create_model",
    }
    encoded = msgspec.json.encode(request)
    assert b"user_metadata" not in encoded
    assert b"seed" not in encoded


def test_defaults_equal_to_their_value_are_still_sent() -> None:
    """A field explicitly set to its default is sent (defaults are never omitted)."""
    config = LoraConfig(rank=4, seed=7, train_mlp=True)
    assert _json(config) == {
        "rank": 4,
        "seed": 7,
        "train_unembed": True,
        "train_mlp": True,
        "train_attn": True,
    }


def test_sample_request_matches_the_verified_body() -> None:
    """SampleRequest as the SDK sends it (verified on the wire)."""
    request = SampleRequest(
        num_samples=2,
        prompt=ModelInput.from_ints([1, 2, 3]),
        sampling_params=SamplingParams(max_tokens=3, stop=[13], temperature=0.5),
        sampling_session_id="sess-1:sample:1",
        seq_id=0,
        prompt_logprobs=False,
        record_stability_info=False,
    )
    assert _json(request) == {
        "num_samples": 2,
        "prompt": {"chunks": [{"tokens": [1, 2, 3], "type": "encoded_text"}]},
        "sampling_params": {
            "max_tokens": 3,
            "stop": [13],
            "temperature": 0.5,
            "top_k": -1,
            "top_p": 1.0,
        },
        "sampling_session_id": "sess-1:sample:1",
        "seq_id": 0,
        "prompt_logprobs": False,
        "topk_prompt_logprobs": 0,
        "topk_sample_logprobs": 0,
        "prompt_alt_tokens_k": 0,
        "record_stability_info": False,
        "type": "sample",
    }


def test_optim_step_bodies_pick_the_params_key_by_family() -> None:
    """Adam params go under adam_params, other families under optimizer_params."""
    adam = OptimStepRequest(model_id="m", seq_id=3, adam_params=AdamParams())
    assert _json(adam) == {
        "model_id": "m",
        "seq_id": 3,
        "type": "optim_step",
        "adam_params": {
            "learning_rate": 0.0001,
            "beta1": 0.9,
            "beta2": 0.95,
            "eps": 1e-12,
            "weight_decay": 0.0,
            "grad_clip_norm": 0.0,
        },
    }
    dimuon = OptimStepRequest(model_id="m", optimizer_params=DimuonParams(learning_rate=0.01))
    assert _json(dimuon) == {
        "model_id": "m",
        "type": "optim_step",
        "optimizer_params": {
            "type": "dimuon",
            "learning_rate": 0.01,
            "grad_clip_norm": 0.0,
            "beta1": 0.9,
        },
    }


def test_create_session_and_load_weights_match_verified_bodies() -> None:
    """Required nullable fields are sent; optional ones only when given."""
    session = CreateSessionRequest(
        tags=["b", "a"], user_metadata={"k": "v"}, sdk_version="0.38.0", display_name="dn"
    )
    assert _json(session) == {
        "tags": ["b", "a"],
        "user_metadata": {"k": "v"},
        "sdk_version": "0.38.0",
        "display_name": "dn",
        "type": "create_session",
    }
    load = LoadWeightsRequest(
        session_id="sess-1",
        model_seq_id=1,
        base_model="X",
        path="tinker://run-1/weights/a",
        optimizer=True,
    )
    assert _json(load) == {
        "session_id": "sess-1",
        "model_seq_id": 1,
        "base_model": "X",
        "path": "tinker://run-1/weights/a",
        "optimizer": True,
        "type": "load_weights",
    }


def test_nullable_fields_with_null_defaults_are_sent_as_null() -> None:
    """`T | null` fields are sent even when None (finish detail, TTL removal)."""
    assert _json(FinishSessionRequest(reason=ClientSessionFinishSuccess())) == {
        "reason": {"type": "success"},
        "detail": None,
    }
    assert _json(SetCheckpointTtlRequest(ttl_seconds=None)) == {"ttl_seconds": None}


def test_a_long_poll_leaves_its_timeout_out_and_an_ack_only_poll_sends_zero() -> None:
    """As the official SDK sends retrieve_futures: no timeout (long poll), or ``0.0``."""
    target = SamplingSessionTarget(sampling_session_id="s:sample:0")
    body = {
        "target": {
            "type": "sampling_session",
            "sampling_session_id": "s:sample:0",
            "cloned_sampler_id": 0,
        },
        "prev_cursor": 0,
        "retrieved_request_ids": [],
    }
    assert _json(FuturesRetrieveRequest(target=target)) == body
    assert _json(FuturesRetrieveRequest(target=target, timeout=0.0)) == {**body, "timeout": 0.0}


def test_mutable_defaults_are_not_shared() -> None:
    """Each instance gets its own copy of a list/dict default."""
    first = FuturesRetrieveRequest(target=SamplingSessionTarget(sampling_session_id="a"))
    second = FuturesRetrieveRequest(target=SamplingSessionTarget(sampling_session_id="b"))
    first.retrieved_request_ids.append("r")
    assert second.retrieved_request_ids == []


def test_legacy_forward_backward_body_matches_the_json_era_example() -> None:
    """The JSON-era body wraps the input and always sends loss_fn_config."""
    datum = Datum(
        loss_fn_inputs={
            "target_tokens": TensorData(data=[2, 3, 4], dtype="int64", shape=[3]),
            "weights": TensorData(data=[1.0, 1.0, 0.0], dtype="float32", shape=[3]),
        },
        model_input=ModelInput(chunks=[EncodedTextChunk(tokens=[1, 2, 3])]),
    )
    request = ForwardBackwardRequestLegacy(
        forward_backward_input=ForwardBackwardInput(data=[datum], loss_fn="cross_entropy"),
        model_id="sess-1:train:0",
        seq_id=1,
    )
    assert _json(request) == {
        "forward_backward_input": {
            "data": [
                {
                    "loss_fn_inputs": {
                        "target_tokens": {"data": [2, 3, 4], "dtype": "int64", "shape": [3]},
                        "weights": {"data": [1.0, 1.0, 0.0], "dtype": "float32", "shape": [3]},
                    },
                    "model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2, 3]}]},
                }
            ],
            "loss_fn": "cross_entropy",
            "loss_fn_config": None,
        },
        "model_id": "sess-1:train:0",
        "seq_id": 1,
    }


def test_tagged_unions_decode_by_their_tag() -> None:
    """Chunks, telemetry events and session statuses decode into the tagged variant."""
    chunks = msgspec.json.decode(
        b'[{"type":"encoded_text","tokens":[1]},{"type":"image","data":"iVBORw==","format":"png"}]',
        type=list[ModelInputChunk],
    )
    assert isinstance(chunks[0], EncodedTextChunk)
    assert isinstance(chunks[1], ImageChunk)
    assert chunks[1].data == b"\x89PNG"
    event = msgspec.json.decode(
        b'{"event":"GENERIC_EVENT","event_id":"e","event_session_index":0,"severity":"INFO",'
        b'"timestamp":"2026-01-01T00:00:00Z","event_name":"x"}',
        type=TelemetryEvent,
    )
    assert event.event_session_index == 0
    summary = msgspec.json.decode(
        b'{"session_id":"s","created_at":"2026-01-01T00:00:00+00:00","owner":"o",'
        b'"project_id":"p","checkpoints_count":2,'
        b'"status":{"type":"client_finished","reason":{"type":"errored"}}}',
        type=SessionSummary,
    )
    assert summary.status is not None
    assert msgspec.structs.asdict(summary.status)["detail"] is None


def test_responses_ignore_unknown_fields_and_missing_tags() -> None:
    """Responses tolerate extra keys and an absent type tag, but reject a wrong tag."""
    response = msgspec.json.decode(
        b'{"sequences":[{"stop_reason":"length","tokens":[5,6],"logprobs":[-0.1,-0.2]}],'
        b'"prompt_logprobs":[null,-1.5],"topk_prompt_logprobs":[null,[[7,-0.1]]],"new":1}',
        type=SampleResponseJson,
    )
    assert response.sequences[0].tokens == [5, 6]
    assert response.topk_prompt_logprobs == [None, [(7, -0.1)]]
    info = msgspec.json.decode(
        b'{"model_data":{"arch":"qwen"},"model_id":"m","type":"get_info"}', type=GetInfoResponse
    )
    assert info.optimizer_config == msgspec.convert(
        {"type": "adamw"}, type=type(info.optimizer_config)
    )
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"sequences":[],"type":"other"}', type=SampleResponseJson)


def test_datetimes_decode_as_aware_datetimes() -> None:
    """REST timestamps become timezone-aware datetimes."""
    run = msgspec.json.decode(
        b'{"training_run_id":"r","base_model":"b","model_owner":"o","is_lora":true,'
        b'"last_request_time":"2026-02-03T04:05:06Z"}',
        type=TrainingRun,
    )
    assert run.last_request_time == datetime.datetime(2026, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
    assert run.corrupted is False
