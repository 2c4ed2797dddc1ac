"""Encoding and decoding of the sample protobuf response."""

from __future__ import annotations

import numpy as np
import pytest
from proto_reference import ld, packed, vi

from tinkex.proto import messages as pb
from tinkex.proto.wire import (
    ProtoDecodeError,
    SampleResponseArrays,
    SequenceArrays,
    SparseCsrArray,
    TopkArrays,
    decode_sample_response,
    encode_sample_response,
)

SENTINEL = -99999.0


def _i32(values: list[int]) -> bytes:
    return np.array(values, dtype="<i4").tobytes()


def _f32(values: list[float]) -> bytes:
    return np.array(values, dtype="<f4").tobytes()


def _topk(ids: list[int], logprobs: list[float], n: int, k: int) -> bytes:
    return ld(1, _i32(ids)) + ld(2, _f32(logprobs)) + vi(3, k) + vi(4, n)


def test_hand_built_response_with_sentinels_and_empty_logprobs_decodes() -> None:
    """Sentinel cells stay in the table, empty logprobs become None, n == 0 drops top-k."""
    first = (
        vi(1, 0)
        + ld(2, _i32([11, 12]))
        + ld(3, _f32([-0.5, -1.5]))
        + ld(4, _topk([11, 3, 12, 0], [-0.5, -2.0, -1.5, SENTINEL], n=2, k=2))
    )
    second = vi(1, 1) + ld(2, _i32([13])) + ld(3, b"") + ld(4, _topk([], [], n=0, k=2))
    body = ld(1, first) + ld(1, second) + ld(2, _f32([np.nan, -0.25])) + vi(4, 7)
    resp = decode_sample_response(body)
    one, two = resp.sequences
    assert one.tokens.dtype == np.int32
    assert (one.stop_reason, one.tokens.tolist()) == ("stop", [11, 12])
    assert one.logprobs is not None
    assert one.logprobs.tolist() == [-0.5, -1.5]
    assert one.topk is not None
    assert one.topk.token_ids.tolist() == [[11, 3], [12, 0]]
    assert one.topk.logprobs.tolist() == [[-0.5, -2.0], [-1.5, SENTINEL]]
    assert (two.stop_reason, two.tokens.tolist(), two.logprobs, two.topk) == (
        "length",
        [13],
        None,
        None,
    )
    assert resp.prompt_logprobs is not None
    assert np.isnan(resp.prompt_logprobs[0])
    assert resp.prompt_logprobs[1] == -0.25
    assert resp.prompt_cache_hit_tokens == 7
    assert (resp.topk_prompt_logprobs, resp.target_prompt_logprobs, resp.prompt_alt_tokens) == (
        None,
        None,
        None,
    )


def test_empty_prompt_logprobs_and_zero_k_tables_are_absent() -> None:
    """Empty prompt logprobs bytes and a k == 0 prompt table decode as None."""
    resp = decode_sample_response(ld(2, b"") + ld(3, _topk([], [], n=3, k=0)))
    assert (resp.prompt_logprobs, resp.topk_prompt_logprobs) == (None, None)


def test_unknown_stop_reason_is_a_value_error() -> None:
    """A stop reason outside the enum is refused."""
    with pytest.raises(ValueError, match=r"sequences\[0\]\.stop_reason: unknown enum value 2"):
        decode_sample_response(ld(1, vi(1, 2)))


def test_target_and_alt_token_tensors_decode() -> None:
    """target_prompt_logprobs keeps its shape; alt tokens widen from int32 to int64."""
    target = ld(1, _f32([0.0, -1.0, -2.0, 0.0])) + vi(3, 1) + packed(4, [2, 2])
    alt = ld(1, ld(1, _i32([5, 6])) + vi(3, 3) + packed(4, [2, 1])) + ld(
        2, ld(1, _f32([-0.1, -0.2])) + vi(3, 1) + packed(4, [2, 1])
    )
    resp = decode_sample_response(ld(5, target) + ld(6, alt))
    assert isinstance(resp.target_prompt_logprobs, np.ndarray)
    assert resp.target_prompt_logprobs.tolist() == [[0.0, -1.0], [-2.0, 0.0]]
    assert resp.prompt_alt_tokens is not None
    tokens, logprobs = resp.prompt_alt_tokens
    assert tokens.dtype == np.int64
    assert tokens.tolist() == [[5], [6]]
    assert logprobs.dtype == np.float32
    assert logprobs.shape == (2, 1)


def test_sample_response_round_trips() -> None:
    """Everything the server encoder writes comes back from the client decoder."""
    topk = TopkArrays(
        token_ids=np.array([[1, 2], [3, 0]], dtype=np.int32),
        logprobs=np.array([[-0.1, -0.2], [-0.3, SENTINEL]], dtype=np.float32),
    )
    sent = SampleResponseArrays(
        sequences=[
            SequenceArrays(np.array([4, 5]), np.array([-1.0, -2.0]), "length", topk),
            SequenceArrays(np.array([], dtype=np.int32), None, "stop"),
        ],
        prompt_logprobs=np.array([np.nan, -3.0], dtype=np.float32),
        topk_prompt_logprobs=topk,
        prompt_cache_hit_tokens=12,
        target_prompt_logprobs=SparseCsrArray(
            values=np.array([-0.5]),
            crow_indices=np.array([0, 1, 1]),
            col_indices=np.array([1]),
            shape=(2, 3),
        ),
        prompt_alt_tokens=(np.array([[7, 8]]), np.array([[-0.7, -0.8]])),
    )
    msg = pb.SampleResponse.FromString(encode_sample_response(sent))
    assert msg.prompt_alt_tokens.tokens.dtype == pb.DTYPE_INT32
    got = decode_sample_response(msg.SerializeToString())
    first, second = got.sequences
    assert (first.stop_reason, first.tokens.tolist()) == ("length", [4, 5])
    assert first.logprobs is not None
    assert first.logprobs.tolist() == [-1.0, -2.0]
    assert first.topk is not None
    assert first.topk.token_ids.tolist() == [[1, 2], [3, 0]]
    assert np.array_equal(first.topk.logprobs, topk.logprobs)
    assert (second.stop_reason, second.tokens.tolist(), second.logprobs) == ("stop", [], None)
    assert got.prompt_logprobs is not None
    assert got.prompt_logprobs.tolist()[1] == -3.0
    assert np.isnan(got.prompt_logprobs[0])
    assert got.topk_prompt_logprobs is not None
    assert got.topk_prompt_logprobs.token_ids.shape == (2, 2)
    assert got.prompt_cache_hit_tokens == 12
    target = got.target_prompt_logprobs
    assert isinstance(target, SparseCsrArray)
    assert (target.values.tolist(), target.crow_indices.tolist(), target.col_indices.tolist()) == (
        [-0.5],
        [0, 1, 1],
        [1],
    )
    assert target.shape == (2, 3)
    assert got.prompt_alt_tokens is not None
    alt_tokens, alt_logprobs = got.prompt_alt_tokens
    assert alt_tokens.dtype == np.int64
    assert alt_tokens.tolist() == [[7, 8]]
    assert np.allclose(alt_logprobs, [[-0.7, -0.8]])


def test_decoded_sample_arrays_are_writable() -> None:
    """Callers may modify tokens and logprobs in place."""
    resp = decode_sample_response(ld(1, ld(2, _i32([1])) + ld(3, _f32([-1.0]))))
    (seq,) = resp.sequences
    assert seq.logprobs is not None
    seq.tokens[0] = 9
    seq.logprobs[0] = 0.0
    assert (seq.tokens.tolist(), seq.logprobs.tolist()) == ([9], [0.0])


def test_encoder_refuses_unknown_stop_reasons_and_ragged_topk() -> None:
    """The server encoder validates what it is given."""
    bad_stop = SequenceArrays(np.array([1]), None, "eos")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown stop reason 'eos'"):
        encode_sample_response(SampleResponseArrays([bad_stop], None, None))
    ragged = TopkArrays(np.zeros((2, 2), dtype=np.int32), np.zeros((2, 3), dtype=np.float32))
    seq = SequenceArrays(np.array([1, 2]), None, "stop", ragged)
    with pytest.raises(ValueError, match=r"sequences\[0\]\.topk"):
        encode_sample_response(SampleResponseArrays([seq], None, None))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\x0a\x05\x01", "SampleResponse: malformed protobuf"),
        (ld(1, ld(2, b"\x01\x02\x03")), r"sequences\[0\]\.tokens: 3 bytes"),
        (ld(1, ld(3, b"\x01\x02")), r"sequences\[0\]\.logprobs: 2 bytes"),
        (ld(2, b"\x01"), "prompt_logprobs: 1 bytes"),
        (ld(3, _topk([1, 2], [-1.0], n=1, k=2)), r"topk_prompt_logprobs\.logprobs: 4 bytes"),
        (ld(1, ld(4, _topk([1], [-1.0], n=2, k=1))), r"topk_sampled_logprobs\.token_ids"),
        (ld(5, ld(1, _f32([1.0])) + vi(3, 1) + packed(4, [2])), "target_prompt_logprobs"),
        (
            ld(6, ld(1, ld(1, _i32([1])) + vi(3, 3)) + ld(2, ld(1, _f32([1.0, 2.0])) + vi(3, 1))),
            r"prompt_alt_tokens: tokens shape \(1,\) != logprobs shape \(2,\)",
        ),
        (
            ld(6, ld(1, ld(1, _i32([1])) + vi(3, 3))),
            r"prompt_alt_tokens\.logprobs\.dense: unsupported",
        ),
        (
            ld(
                6,
                ld(
                    1,
                    ld(2, ld(1, _i32([5])) + ld(2, bytes(16)) + ld(3, bytes(8)))
                    + vi(3, 3)
                    + packed(4, [1, 1]),
                ),
            ),
            r"prompt_alt_tokens\.tokens: must be dense",
        ),
    ],
)
def test_corrupt_sample_responses_raise_proto_decode_error(body: bytes, message: str) -> None:
    """Malformed responses raise ProtoDecodeError naming the field at fault."""
    with pytest.raises(ProtoDecodeError, match=message):
        decode_sample_response(body)
