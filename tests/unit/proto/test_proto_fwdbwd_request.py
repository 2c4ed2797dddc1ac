"""Encoding and decoding of the forward_backward protobuf request."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
import zstandard
from proto_reference import f64, ld, packed, s, vi

from tinkex.proto import messages as pb
from tinkex.proto.wire import (
    DmelChunk,
    ForwardBackwardRequestArrays,
    ImageChunk,
    ProtoDatum,
    ProtoDecodeError,
    Span,
    SparseCsrArray,
    TextChunk,
    decode_forward_backward_request,
    encode_forward_backward_request,
)


def _request(
    data: list[ProtoDatum],
    config: dict[str, float | str] | None = None,
    *,
    forward_only: bool = False,
) -> ForwardBackwardRequestArrays:
    return ForwardBackwardRequestArrays(
        model_id="sess-1:train:0",
        seq_id=1,
        data=data,
        loss_fn="cross_entropy",
        loss_fn_config=config,
        forward_only=forward_only,
    )


def _sft_datum(tokens: list[int]) -> ProtoDatum:
    return ProtoDatum(
        chunks=[TextChunk(np.array(tokens))],
        loss_fn_inputs={
            "target_tokens": np.array(tokens, dtype=np.int64),
            "weights": np.ones(len(tokens), dtype=np.float32),
        },
    )


def _dense(value: object) -> np.ndarray[Any, Any]:
    assert isinstance(value, np.ndarray)
    return value


def test_spec_example_encodes_to_the_hand_built_bytes() -> None:
    """The §8.4 example encodes byte for byte like an independent hand encoding."""
    body = encode_forward_backward_request(
        _request([_sft_datum([1, 2, 3])], {"clip_low_threshold": 0.8})
    )
    int64s = np.array([1, 2, 3], dtype="<i8").tobytes()
    ones = np.ones(3, dtype="<f4").tobytes()
    expected = (
        s(1, "sess-1:train:0")
        + vi(2, 1)
        + ld(
            3,
            ld(1, ld(1, ld(1, base64.b64decode("AQAAAAIAAAADAAAA"))))
            + ld(2, s(1, "target_tokens") + ld(2, ld(1, int64s) + vi(3, 2) + packed(4, [3])))
            + ld(2, s(1, "weights") + ld(2, ld(1, ones) + vi(3, 1) + packed(4, [3]))),
        )
        + s(4, "cross_entropy")
        + ld(5, s(1, "clip_low_threshold") + f64(2, 0.8))
        + ld(7, s(1, "clip_low_threshold") + ld(2, f64(1, 0.8)))
    )
    assert body == expected


def test_numbers_go_to_both_config_maps_and_strings_only_to_v2() -> None:
    """Numeric options appear in the legacy and v2 maps, string options in v2 as text."""
    body = encode_forward_backward_request(
        _request([_sft_datum([1])], {"clip_low_threshold": 0.8, "beta": 2, "mode": "sum"})
    )
    msg = pb.ForwardBackwardRequest.FromString(body)
    assert dict(msg.loss_fn_config) == {"clip_low_threshold": 0.8, "beta": 2.0}
    v2 = msg.loss_fn_config_v2
    assert {k: v.WhichOneof("value") for k, v in v2.items()} == {
        "clip_low_threshold": "number",
        "beta": "number",
        "mode": "text",
    }
    assert (v2["beta"].number, v2["mode"].text) == (2.0, "sum")


def test_config_rejects_values_that_are_neither_numbers_nor_strings() -> None:
    """A bool or list loss option is refused before anything is sent."""
    bad: dict[str, object] = {"flag": True}
    with pytest.raises(ValueError, match="flag"):
        encode_forward_backward_request(_request([_sft_datum([1])], bad))  # type: ignore[arg-type]


def test_full_request_round_trips() -> None:
    """Every chunk kind, dense and sparse inputs, spans and flags survive encode/decode."""
    datum = ProtoDatum(
        chunks=[
            TextChunk(np.array([5, 6], dtype=np.int64)),
            ImageChunk(data=b"\x89PNG", format="png", expected_tokens=4),
            ImageChunk(data=b"jpg", format="jpeg"),
            DmelChunk(dmel=b"\xfe\x01"),
        ],
        loss_fn_inputs={
            "advantages": np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float64),
            "target_tokens": np.array([7, 8, 9], dtype=np.int32),
            "weights": SparseCsrArray(
                values=np.array([1.0, 0.5]),
                crow_indices=np.array([0, 1, 2]),
                col_indices=np.array([2, 0]),
                shape=(2, 3),
            ),
        },
        model_input_spans=[Span("prompt", "seq-a", 0, 2), Span("sampled", "seq-b", 3, 4)],
        loss_fn_input_spans=[Span("sampled", "seq-b", 0, 3)],
    )
    req = _request([datum, _sft_datum([])], {"eps": 0.2, "mode": "x"}, forward_only=True)
    back = decode_forward_backward_request(encode_forward_backward_request(req))
    assert (back.model_id, back.seq_id, back.loss_fn, back.forward_only) == (
        "sess-1:train:0",
        1,
        "cross_entropy",
        True,
    )
    assert back.loss_fn_config == {"eps": 0.2, "mode": "x"}
    first, second = back.data
    text, image, jpeg, dmel = first.chunks
    assert isinstance(text, TextChunk)
    assert text.tokens.tolist() == [5, 6]
    assert text.tokens.dtype == np.int32
    assert image == ImageChunk(data=b"\x89PNG", format="png", expected_tokens=4)
    assert jpeg == ImageChunk(data=b"jpg", format="jpeg", expected_tokens=None)
    assert dmel == DmelChunk(dmel=b"\xfe\x01")
    advantages = _dense(first.loss_fn_inputs["advantages"])
    assert advantages.dtype == np.float32
    assert advantages.tolist() == [[0.5, -1.0], [2.0, 0.0]]
    targets = _dense(first.loss_fn_inputs["target_tokens"])
    assert targets.dtype == np.int64
    assert targets.tolist() == [7, 8, 9]
    weights = first.loss_fn_inputs["weights"]
    assert isinstance(weights, SparseCsrArray)
    assert weights.values.dtype == np.float32
    assert weights.values.tolist() == [1.0, 0.5]
    assert weights.crow_indices.tolist() == [0, 1, 2]
    assert weights.col_indices.tolist() == [2, 0]
    assert weights.shape == (2, 3)
    assert tuple(first.model_input_spans) == (
        Span("prompt", "seq-a", 0, 2),
        Span("sampled", "seq-b", 3, 4),
    )
    assert tuple(first.loss_fn_input_spans) == (Span("sampled", "seq-b", 0, 3),)
    (empty_text,) = second.chunks
    assert isinstance(empty_text, TextChunk)
    assert empty_text.tokens.size == 0
    assert _dense(second.loss_fn_inputs["weights"]).shape == (0,)


def test_encoding_matches_the_protobuf_runtime() -> None:
    """Our hand-written wire bytes parse into the same message the runtime would build."""
    req = _request([_sft_datum([3, 1, 2]), _sft_datum([4])], {"a": 1.0, "b": "t"})
    msg = pb.ForwardBackwardRequest.FromString(encode_forward_backward_request(req))
    expected = pb.ForwardBackwardRequest(
        model_id="sess-1:train:0", seq_id=1, loss_fn="cross_entropy"
    )
    expected.loss_fn_config["a"] = 1.0
    expected.loss_fn_config_v2["a"].number = 1.0
    expected.loss_fn_config_v2["b"].text = "t"
    for tokens in ([3, 1, 2], [4]):
        datum = expected.data.add()
        datum.model_input.add().encoded_text.tokens = np.array(tokens, "<i4").tobytes()
        target = datum.loss_fn_inputs["target_tokens"]
        target.dense, target.dtype = np.array(tokens, "<i8").tobytes(), pb.DTYPE_INT64
        target.shape.append(len(tokens))
        weights = datum.loss_fn_inputs["weights"]
        weights.dense, weights.dtype = np.ones(len(tokens), "<f4").tobytes(), pb.DTYPE_FLOAT32
        weights.shape.append(len(tokens))
    assert msg == expected


def test_non_contiguous_and_big_endian_inputs_are_packed_little_endian() -> None:
    """Strided views and big-endian arrays are converted, not sent raw."""
    strided = np.arange(10, dtype=np.int64)[::2]
    big_endian = np.array([1.5, 2.5], dtype=">f8")
    datum = ProtoDatum(
        chunks=[TextChunk(np.arange(6)[::3])],
        loss_fn_inputs={"target_tokens": strided, "weights": big_endian},
    )
    back = decode_forward_backward_request(encode_forward_backward_request(_request([datum])))
    (chunk,) = back.data[0].chunks
    assert isinstance(chunk, TextChunk)
    assert chunk.tokens.tolist() == [0, 3]
    assert _dense(back.data[0].loss_fn_inputs["target_tokens"]).tolist() == [0, 2, 4, 6, 8]
    assert _dense(back.data[0].loss_fn_inputs["weights"]).tolist() == [1.5, 2.5]


def test_token_ids_must_fit_int32() -> None:
    """Token ids beyond int32 are refused instead of wrapping around."""
    with pytest.raises(ValueError, match="int32"):
        TextChunk(np.array([1, 2**31], dtype=np.int64))
    with pytest.raises(ValueError, match="integers"):
        TextChunk(np.array([1.0, 2.0]))
    assert TextChunk(np.array([2**31 - 1, -(2**31)])).tokens.dtype == np.int32


def test_non_numeric_loss_inputs_are_refused() -> None:
    """Boolean loss inputs name the datum and key in the error."""
    datum = ProtoDatum(chunks=[], loss_fn_inputs={"mask": np.array([True, False])})
    with pytest.raises(ValueError, match=r"data\[0\]\.loss_fn_inputs\['mask'\]"):
        encode_forward_backward_request(_request([datum]))


def test_seq_id_must_fit_int32() -> None:
    """A seq_id beyond int32 cannot be encoded."""
    req = ForwardBackwardRequestArrays("m", 2**31, [], "cross_entropy", None, False)
    with pytest.raises(ValueError, match="seq_id"):
        encode_forward_backward_request(req)


def test_zstd_compressed_request_round_trips() -> None:
    """A compressed body is a zstd frame that decodes to the same request."""
    req = _request([_sft_datum(list(range(100))) for _ in range(4)], {"a": 1.0})
    plain = encode_forward_backward_request(req)
    packed_body = encode_forward_backward_request(req, compress=True)
    assert len(packed_body) < len(plain)
    assert zstandard.ZstdDecompressor().decompress(packed_body) == plain
    back = decode_forward_backward_request(packed_body, content_encoding="zstd")
    assert len(back.data) == 4
    assert _dense(back.data[3].loss_fn_inputs["target_tokens"]).tolist() == list(range(100))
    streamed = zstandard.ZstdCompressor(write_content_size=False).compress(plain)
    assert len(decode_forward_backward_request(streamed, content_encoding="ZSTD").data) == 4


def test_legacy_config_is_read_when_v2_is_absent_and_v2_wins() -> None:
    """Bodies from old clients carry only the legacy map; v2 values override per key."""
    legacy_only = ld(5, s(1, "a") + f64(2, 0.25))
    assert decode_forward_backward_request(legacy_only).loss_fn_config == {"a": 0.25}
    both = legacy_only + ld(7, s(1, "a") + ld(2, f64(1, 0.5)))
    assert decode_forward_backward_request(both).loss_fn_config == {"a": 0.5}
    assert decode_forward_backward_request(b"").loss_fn_config is None


def test_server_decode_widens_bf16_and_int32_and_applies_shape() -> None:
    """bf16 tensors decode to float32 and int32 to int64, in their declared shape."""
    bf16 = np.array([1.0, -2.5, 0.5, 3.0], dtype=np.float32).view(np.uint32) >> 16
    body = ld(
        3,
        ld(2, s(1, "w") + ld(2, ld(1, bf16.astype("<u2").tobytes()) + vi(3, 4) + packed(4, [2, 2])))
        + ld(2, s(1, "t") + ld(2, ld(1, np.array([-1, 7], "<i4").tobytes()) + vi(3, 3))),
    )
    (datum,) = decode_forward_backward_request(body).data
    weights = _dense(datum.loss_fn_inputs["w"])
    assert weights.dtype == np.float32
    assert weights.tolist() == [[1.0, -2.5], [0.5, 3.0]]
    targets = _dense(datum.loss_fn_inputs["t"])
    assert targets.dtype == np.int64
    assert targets.tolist() == [-1, 7]


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (b"\xff\xff\xff", None, "malformed protobuf"),
        (ld(3, ld(1, ld(1, ld(1, b"\x01\x02\x03")))), None, r"data\[0\]\.model_input\[0\]\.tokens"),
        (ld(3, ld(1, b"")), None, r"data\[0\]\.model_input\[0\]: chunk has no content"),
        (
            ld(3, ld(2, s(1, "w") + ld(2, ld(1, bytes(8)) + vi(3, 1) + packed(4, [3])))),
            None,
            r"data\[0\]\.loss_fn_inputs\['w'\]: 2 elements do not fill shape \[3\]",
        ),
        (
            ld(3, ld(2, s(1, "w") + ld(2, ld(1, bytes(4)) + vi(3, 0)))),
            None,
            r"loss_fn_inputs\['w'\]\.dense: unsupported dtype",
        ),
        (
            ld(3, ld(2, s(1, "w") + ld(2, ld(1, bytes(6)) + vi(3, 1)))),
            None,
            r"loss_fn_inputs\['w'\]\.dense: 6 bytes",
        ),
        (
            ld(3, ld(2, s(1, "w") + ld(2, ld(2, ld(1, bytes(4)) + ld(2, bytes(8))) + vi(3, 1)))),
            None,
            r"sparse_csr: 0 col_indices for 1 values",
        ),
        (ld(3, ld(3, b"")), None, r"data\[0\]\.model_input_spans\[0\]: span has no content"),
        (ld(7, s(1, "k") + ld(2, b"")), None, r"loss_fn_config_v2\['k'\]"),
        (b"not zstd", "zstd", "corrupt zstd"),
        (b"", "gzip", "Content-Encoding 'gzip'"),
    ],
)
def test_corrupt_requests_raise_proto_decode_error(
    body: bytes, encoding: str | None, message: str
) -> None:
    """Malformed bodies raise ProtoDecodeError naming the field at fault."""
    with pytest.raises(ProtoDecodeError, match=message):
        decode_forward_backward_request(body, content_encoding=encoding)


def test_proto_decode_error_is_a_value_error() -> None:
    """Callers that catch ValueError also catch decode failures."""
    assert issubclass(ProtoDecodeError, ValueError)
