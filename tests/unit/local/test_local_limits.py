"""The embedded backend refuses what a real server refuses: 400 naming the field and the limit.

Every refusal happens when the request arrives, before a future exists, and the backend keeps
serving afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from local_wire import PROTO, LocalWire, fwdbwd_json

from tinkex.domain import limits
from tinkex.proto.wire import (
    ForwardBackwardRequestArrays,
    ProtoDatum,
    SparseCsrArray,
    TextChunk,
    encode_forward_backward_request,
)

if TYPE_CHECKING:
    from tinkex.local import LocalBackend

PROMPT = {"chunks": [{"type": "encoded_text", "tokens": [104, 105]}]}


def _sample_body(sampler: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sampling_session_id": sampler,
        "prompt": PROMPT,
        "num_samples": 1,
        "sampling_params": {"max_tokens": 2, "seed": 1},
    }
    body.update(fields)
    return body


def _futures(backend: LocalBackend) -> int:
    return len(backend.state.futures._entries)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"num_samples": 10_000_000}, "body.num_samples: must be between 1 and 1024"),
        ({"num_samples": 0}, "body.num_samples: must be between 1 and 1024"),
        ({"topk_prompt_logprobs": 10**6}, "body.topk_prompt_logprobs: must be between 0 and 128"),
        ({"topk_sample_logprobs": 129}, "body.topk_sample_logprobs: must be between 0 and 128"),
        ({"prompt_alt_tokens_k": 10**9}, "body.prompt_alt_tokens_k: must be between 0 and 128"),
        (
            {"sampling_params": {"max_tokens": 10**9}},
            f"sampling_params.max_tokens: must be between 0 and {limits.MAX_SAMPLE_MAX_TOKENS}",
        ),
        (
            {"num_samples": 1024, "sampling_params": {"max_tokens": 8192}},
            "1024 * 8192 exceeds the limit of 4194304 sampled tokens per request",
        ),
        (
            {"prompt": {"chunks": [{"type": "encoded_text", "tokens": [2**40]}]}},
            "body.prompt.chunks[0].tokens[0]: token id 1099511627776 is outside [0, 2147483647]",
        ),
        (
            {"prompt": {"chunks": [{"type": "encoded_text", "tokens": [1, -1]}]}},
            "body.prompt.chunks[0].tokens[1]: token id -1 is outside",
        ),
        (
            {"prompt": {"chunks": [{"type": "encoded_text", "tokens": [1] * 4097}]}},
            "body.prompt: 4097 tokens exceed the model's context length of 4096",
        ),
        (
            {"sampling_params": {"max_tokens": 2, "stop": [5, 2**31]}},
            "body.sampling_params.stop[1]: token id 2147483648 is outside",
        ),
        ({"seq_id": 10**30}, "body.seq_id: 1000000000000000000000000000000 is outside the int64"),
        ({"seq_id": -5}, "body.seq_id: must be between 0 and 9223372036854775807"),
    ],
)
async def test_oversized_or_invalid_sample_requests_are_refused_before_any_work(
    wire: LocalWire, backend: LocalBackend, fields: dict[str, Any], named: str
) -> None:
    sampler = await wire.sampling_session()
    before = _futures(backend)
    status, reply = await wire.json("POST", "/api/v1/asample", _sample_body(sampler, **fields))
    assert status == 400, reply
    assert named in reply["detail"]
    assert _futures(backend) == before
    assert backend.state.samples_in_flight == 0
    # The sampler still serves, and within the limits the same request shape is fine.
    status, reply = await wire.json("POST", "/api/v1/asample", _sample_body(sampler))
    assert status == 200, reply
    assert "sequences" in await wire.result_json(reply["request_id"])


async def test_requests_at_the_limits_are_accepted(wire: LocalWire) -> None:
    sampler = await wire.sampling_session()
    body = _sample_body(
        sampler,
        num_samples=2,
        prompt_logprobs=True,
        topk_prompt_logprobs=limits.MAX_TOPK_LOGPROBS,
        sampling_params={"max_tokens": 1, "seed": 3, "stop": [257]},
    )
    status, reply = await wire.json("POST", "/api/v1/asample", body)
    assert status == 200, reply
    result = await wire.result_json(reply["request_id"])
    assert len(result["sequences"]) == 2
    assert len(result["topk_prompt_logprobs"][1]) == limits.MAX_TOPK_LOGPROBS


async def test_stream_sample_applies_the_same_limits(wire: LocalWire) -> None:
    sampler = await wire.sampling_session()
    body = _sample_body(sampler, sampling_params={"max_tokens": 10**7})
    status, reply = await wire.json("POST", "/api/v1/stream_sample", body)
    assert status == 400
    assert "body.sampling_params.max_tokens" in reply["detail"]


@pytest.mark.parametrize(
    ("adam", "named"),
    [
        ({"learning_rate": 1e308}, "body.adam_params.learning_rate: must be between 0.0 and 10.0"),
        ({"learning_rate": -1e-3}, "body.adam_params.learning_rate"),
        ({"beta1": 1.5}, "body.adam_params.beta1: must be between 0.0 and 1.0"),
        ({"eps": -1.0}, "body.adam_params.eps: must be a finite number >= 0.0"),
        ({"grad_clip_norm": -2.0}, "body.adam_params.grad_clip_norm"),
    ],
)
async def test_optimizer_values_out_of_range_are_refused(
    wire: LocalWire, backend: LocalBackend, adam: dict[str, float], named: str
) -> None:
    model = await wire.model(await wire.session())
    before = _futures(backend)
    body = {"model_id": model, "seq_id": 1, "adam_params": adam}
    status, reply = await wire.json("POST", "/api/v1/optim_step", body)
    assert status == 400, reply
    assert named in reply["detail"]
    assert _futures(backend) == before
    # seq_id 1 was not taken by the refused request: a valid step with it runs.
    body = {"model_id": model, "seq_id": 1, "adam_params": {"learning_rate": 1e-3}}
    status, reply = await wire.json("POST", "/api/v1/optim_step", body)
    assert status == 200
    assert "metrics" in await wire.result_json(reply["request_id"])


async def test_sequence_ids_outside_int64_are_refused_on_every_endpoint(wire: LocalWire) -> None:
    session = await wire.session()
    model = await wire.model(session)
    huge = 10**30
    cases = [
        ("/api/v1/optim_step", {"model_id": model, "seq_id": huge}),
        ("/api/v1/save_weights", {"model_id": model, "seq_id": huge, "path": "a"}),
        ("/api/v1/forward", fwdbwd_json(model, huge, [b"abc"], wrapper="forward_input")),
        ("/api/v1/create_model", {"session_id": session, "model_seq_id": huge, "base_model": "m"}),
        (
            "/api/v1/create_sampling_session",
            {"session_id": session, "sampling_session_seq_id": 2**63, "base_model": "m"},
        ),
        ("/api/v1/save_weights_for_sampler", {"model_id": model, "sampling_session_seq_id": -1}),
    ]
    for path, body in cases:
        status, reply = await wire.json("POST", path, body)
        assert status == 400, (path, reply)
        assert "seq_id" in reply["detail"], reply


@pytest.mark.parametrize(
    "path",
    [
        "tinker://../weights/x",
        "tinker://run/weights/../../etc",
        "tinker://run/weights/..",
        "tinker://run/weights/.hidden",
        "tinker://run/weights/a\x00b",
        "tinker://run/weights/" + "n" * 256,
        "tinker://run/../weights",
        "tinker://.run/weights/x",
        "/etc/passwd",
        "file:///etc/passwd",
        "../../index.json",
    ],
)
async def test_paths_that_are_not_tinker_paths_are_refused_everywhere(
    wire: LocalWire, backend: LocalBackend, path: str
) -> None:
    session = await wire.session()
    model = await wire.model(session)
    before = _futures(backend)
    cases = [
        ("/api/v1/load_weights", {"model_id": model, "path": path}),
        ("/api/v1/load_weights", {"session_id": session, "model_seq_id": 5, "path": path}),
        (
            "/api/v1/create_sampling_session",
            {"session_id": session, "sampling_session_seq_id": 1, "model_path": path},
        ),
        ("/api/v1/asample", {"model_path": path, "prompt": PROMPT}),
        ("/api/v1/weights_info", {"tinker_path": path}),
        ("/api/v1/copy_weights", {"source_path": path}),
    ]
    for endpoint, body in cases:
        status, reply = await wire.json("POST", endpoint, body)
        assert status == 400, (endpoint, reply)
        assert "tinker" in reply["detail"] or "checkpoint name" in reply["detail"], reply
    assert _futures(backend) == before
    assert f"{session}:train:5" not in backend.state.models


async def test_checkpoint_names_and_rest_paths_stay_inside_the_store(
    wire: LocalWire, backend: LocalBackend
) -> None:
    model = await wire.model(await wire.session())
    for name in ("../escape", "a/b", "..", "x" * 256, "tab\there"):
        body = {"model_id": model, "path": name}
        status, reply = await wire.json("POST", "/api/v1/save_weights", body)
        assert status == 400, (name, reply)
    for run in ("..%2F..%2Fx", "..", ".%2E"):
        url = f"/api/v1/training_runs/{run}/checkpoints/weights/a"
        status, reply = await wire.json("DELETE", url)
        assert status == 400, (run, reply)
        assert "Invalid tinker path" in reply["detail"]
    escaped = backend.data_dir.parent / "escape"
    assert not escaped.exists()


async def test_lora_rank_is_bounded(wire: LocalWire) -> None:
    session = await wire.session()
    body = {
        "session_id": session,
        "model_seq_id": 0,
        "base_model": "m",
        "lora_config": {"rank": 10**9},
    }
    status, reply = await wire.json("POST", "/api/v1/create_model", body)
    assert status == 400
    assert f"body.lora_config.rank: must be between 1 and {limits.MAX_LORA_RANK}" in reply["detail"]


async def test_forward_backward_token_ids_and_sizes_are_bounded(
    wire: LocalWire, backend: LocalBackend
) -> None:
    model = await wire.model(await wire.session())
    before = _futures(backend)
    body = fwdbwd_json(model, 1, [b"abcdef"])
    body["forward_backward_input"]["data"][0]["model_input"]["chunks"][0]["tokens"][2] = 2**63 - 1
    status, reply = await wire.json("POST", "/api/v1/forward_backward", body)
    assert status == 400
    assert (
        "model_input.chunks[0].tokens[2]: token id 9223372036854775807 is outside"
        in (reply["detail"])
    )

    negative = _proto_body(model, tokens=np.asarray([1, -7, 2], dtype=np.int32))
    status, _, raw = await wire.call(
        "POST", "/api/v1/forward_backward", negative, headers={"Content-Type": PROTO}
    )
    assert status == 400, raw
    assert b"data[0].model_input[0].tokens[1]: token id -7 is outside" in raw

    huge_sparse = SparseCsrArray(
        values=np.ones(1, dtype=np.float32),
        crow_indices=np.asarray([0, 1] + [1] * 99_999, dtype=np.int64),
        col_indices=np.zeros(1, dtype=np.int64),
        shape=(100_000, 100_000),
    )
    sparse = _proto_body(model, tokens=np.asarray([1, 2], np.int32), extra=huge_sparse)
    status, _, raw = await wire.call(
        "POST", "/api/v1/forward_backward", sparse, headers={"Content-Type": PROTO}
    )
    assert status == 400, raw
    assert b"loss-input elements (the limit)" in raw
    assert _futures(backend) == before


def test_training_token_budget_counts_every_datum() -> None:
    from tinkex.local.datums import parse_forward_backward

    per_datum = limits.MAX_TRAINING_TOKENS_PER_REQUEST // 2
    tokens = np.ones(per_datum, dtype=np.int32)
    data = [
        ProtoDatum(chunks=[TextChunk(tokens)], loss_fn_inputs={"weights": np.ones(1, np.float32)})
        for _ in range(3)
    ]
    body = encode_forward_backward_request(
        ForwardBackwardRequestArrays(
            model_id="m",
            seq_id=1,
            data=data,
            loss_fn="cross_entropy",
            loss_fn_config=None,
            forward_only=False,
        )
    )
    with pytest.raises(Exception, match=r"data\[2\]\.model_input\[0\]: the request holds more"):
        parse_forward_backward(body, PROTO, None, forward_path=False)


def _proto_body(model: str, *, tokens: np.ndarray, extra: object = None) -> bytes:
    inputs: dict[str, Any] = {
        "target_tokens": np.asarray(tokens, dtype=np.int64),
        "weights": np.ones(len(tokens), dtype=np.float32),
    }
    if extra is not None:
        inputs["extra"] = extra
    return encode_forward_backward_request(
        ForwardBackwardRequestArrays(
            model_id=model,
            seq_id=1,
            data=[ProtoDatum(chunks=[TextChunk(tokens)], loss_fn_inputs=inputs)],
            loss_fn="cross_entropy",
            loss_fn_config=None,
            forward_only=False,
        )
    )
