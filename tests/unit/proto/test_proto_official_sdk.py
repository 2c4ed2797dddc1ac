"""Byte-level agreement with the official `tinker` SDK's own proto code (when it is installed).

Skipped unless `tinker` 0.38 is importable (the `conformance` extra). Importing it next to
tinkex is itself part of the check: both define tinker_public.proto and must coexist.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinkex.proto.wire import (
    ForwardBackwardOutputArrays,
    ForwardBackwardRequestArrays,
    ImageChunk,
    ProtoDatum,
    SampleResponseArrays,
    SequenceArrays,
    Span,
    TextChunk,
    TopkArrays,
    decode_forward_backward_request,
    encode_forward_backward_output,
    encode_forward_backward_request,
    encode_sample_response,
)

request_conv: Any = pytest.importorskip("tinker.proto.request_conv")
response_conv: Any = pytest.importorskip("tinker.proto.response_conv")
types: Any = pytest.importorskip("tinker.types")


def test_request_bytes_equal_the_official_encoding() -> None:
    """For the same datum, our body equals the SDK's deterministic serialization."""
    spans = [types.PromptProvenanceSpan(sequence_id="p", offset=0, length=3)]
    datum = types.Datum(
        model_input=types.ModelInput(
            chunks=[
                types.EncodedTextChunk(tokens=[1, 2, 3]),
                types.ImageChunk(data=b"png", format="png", expected_tokens=2),
            ]
        ),
        loss_fn_inputs={
            "target_tokens": np.array([1, 2, 3]),
            "weights": np.array([1.0, 0.5, 0.0]),
        },
        model_input_spans=spans,
        loss_fn_input_spans=spans,
    )
    official = request_conv.forward_backward_request_to_proto(
        types.ForwardBackwardRequest(
            forward_backward_input=types.ForwardBackwardInput(
                data=[datum], loss_fn="ppo", loss_fn_config={"clip_low_threshold": 0.8}
            ),
            model_id="sess-1:train:0",
            seq_id=1,
        )
    ).SerializeToString(deterministic=True)
    ours = encode_forward_backward_request(
        ForwardBackwardRequestArrays(
            model_id="sess-1:train:0",
            seq_id=1,
            data=[
                ProtoDatum(
                    chunks=[TextChunk(np.array([1, 2, 3])), ImageChunk(b"png", "png", 2)],
                    loss_fn_inputs={
                        "target_tokens": np.array([1, 2, 3]),
                        "weights": np.array([1.0, 0.5, 0.0]),
                    },
                    model_input_spans=[Span("prompt", "p", 0, 3)],
                    loss_fn_input_spans=[Span("prompt", "p", 0, 3)],
                )
            ],
            loss_fn="ppo",
            loss_fn_config={"clip_low_threshold": 0.8},
            forward_only=False,
        )
    )
    assert ours == official
    assert decode_forward_backward_request(official).loss_fn_config == {"clip_low_threshold": 0.8}


def test_official_decoders_read_our_server_encodings() -> None:
    """The SDK's response decoders accept what the embedded server would send."""
    outputs = [
        {"logprobs": np.array([-0.5, -1.5]), "top": np.array([[1, 2], [3, 4]])},
        {"logprobs": np.array([-2.0]), "top": np.array([[5, 6]])},
    ]
    fb = response_conv.deserialize_forward_backward_output(
        encode_forward_backward_output(
            ForwardBackwardOutputArrays("ArrayRecord", outputs, {"loss:sum": 2.5})
        )
    )
    assert (fb.loss_fn_output_type, fb.metrics) == ("ArrayRecord", {"loss:sum": 2.5})
    assert [d["top"].shape for d in fb.loss_fn_outputs] == [[2, 2], [1, 2]]
    assert fb.loss_fn_outputs[0]["logprobs"].tolist() == [-0.5, -1.5]
    topk = TopkArrays(np.array([[1, 0]], np.int32), np.array([[-0.1, -99999.0]], np.float32))
    sample = response_conv.deserialize_sample_response(
        encode_sample_response(
            SampleResponseArrays(
                [SequenceArrays(np.array([4]), np.array([-0.25]), "length", topk)],
                prompt_logprobs=np.array([np.nan, -1.0]),
                topk_prompt_logprobs=None,
                prompt_cache_hit_tokens=3,
            )
        )
    )
    (seq,) = sample.sequences
    assert (seq.stop_reason, seq.tokens, seq.logprobs) == ("length", [4], [-0.25])
    assert seq.topk_logprobs == [[(1, pytest.approx(-0.1))]]
    assert sample.prompt_logprobs == [None, -1.0]
    assert sample.prompt_cache_hit_tokens == 3
