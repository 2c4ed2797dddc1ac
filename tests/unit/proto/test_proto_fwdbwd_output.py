"""Encoding and decoding of the forward_backward protobuf output."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from proto_reference import f64, ld, packed, s, vi

from tinkex.proto import messages as pb
from tinkex.proto.wire import (
    ForwardBackwardOutputArrays,
    ProtoDecodeError,
    decode_forward_backward_output,
    encode_forward_backward_output,
)


def _offsets(*byte_offsets: int) -> bytes:
    return np.array(byte_offsets, dtype="<i8").tobytes()


def _batched(data: bytes, offsets: bytes, dtype: int, trailing: list[int] | None = None) -> bytes:
    return ld(1, data) + ld(2, offsets) + vi(3, dtype) + (packed(4, trailing) if trailing else b"")


def _record(fields: dict[str, bytes], num_datums: int) -> bytes:
    entries = b"".join(ld(2, s(1, name) + ld(2, value)) for name, value in fields.items())
    return ld(2, s(1, "tinker:ArrayRecord") + entries + (vi(3, num_datums) if num_datums else b""))


def _bf16(values: list[float]) -> bytes:
    words = np.array(values, dtype=np.float32).view(np.uint32) >> 16
    return words.astype("<u2").tobytes()


def test_hand_built_output_with_bf16_int32_and_two_records_decodes() -> None:
    """bf16 widens to float32, int32 to int64, trailing shapes apply, records concatenate."""
    first = _record(
        {
            "logprobs": _batched(_bf16([-1.0, -0.5, -2.0]), _offsets(0, 4, 6), pb.DTYPE_BFLOAT16),
            "top": _batched(
                np.array([1, 2, 3, 4, 5, 6], "<i4").tobytes(),
                _offsets(0, 16, 24),
                pb.DTYPE_INT32,
                [2],
            ),
        },
        num_datums=2,
    )
    second = _record(
        {
            "logprobs": _batched(np.array([-3.0], "<f4").tobytes(), _offsets(0, 4), 1),
            "top": _batched(np.array([7, 8], "<i8").tobytes(), _offsets(0, 16), 2, [2]),
        },
        num_datums=1,
    )
    body = s(1, "tinker.types:ArrayRecord") + first + second + ld(3, s(1, "loss:sum") + f64(2, 1.5))
    out = decode_forward_backward_output(body)
    assert out.loss_fn_output_type == "ArrayRecord"
    assert out.metrics == {"loss:sum": 1.5}
    assert len(out.loss_fn_outputs) == 3
    logprobs = [datum["logprobs"] for datum in out.loss_fn_outputs]
    assert [lp.dtype for lp in logprobs] == [np.float32] * 3
    assert [lp.tolist() for lp in logprobs] == [[-1.0, -0.5], [-2.0], [-3.0]]
    top = [datum["top"] for datum in out.loss_fn_outputs]
    assert [t.dtype for t in top] == [np.int64] * 3
    assert [t.tolist() for t in top] == [[[1, 2], [3, 4]], [[5, 6]], [[7, 8]]]


def test_decoded_arrays_are_writable() -> None:
    """Callers may modify decoded outputs in place."""
    body = _record({"x": _batched(np.ones(2, "<f4").tobytes(), _offsets(0, 8), 1)}, 1)
    (datum,) = decode_forward_backward_output(body).loss_fn_outputs
    datum["x"][0] = 5.0
    assert datum["x"].tolist() == [5.0, 1.0]


def test_num_datums_falls_back_to_the_offsets() -> None:
    """Records written without num_datums still yield one output per offset interval."""
    body = _record({"x": _batched(np.arange(3, dtype="<f4").tobytes(), _offsets(0, 4, 12), 1)}, 0)
    out = decode_forward_backward_output(body)
    assert [d["x"].tolist() for d in out.loss_fn_outputs] == [[0.0], [1.0, 2.0]]


def test_records_without_fields_still_count_their_datums() -> None:
    """A record whose fields were all dropped yields empty outputs, one per datum."""
    out = decode_forward_backward_output(_record({}, 3))
    assert [dict(d) for d in out.loss_fn_outputs] == [{}, {}, {}]


def test_empty_output_defaults_its_type() -> None:
    """No records and no type decode as an empty 'ArrayRecord' result."""
    out = decode_forward_backward_output(b"")
    assert (out.loss_fn_output_type, list(out.loss_fn_outputs), dict(out.metrics)) == (
        "ArrayRecord",
        [],
        {},
    )


def test_output_round_trips_through_the_server_encoder() -> None:
    """The server encoder's bytes decode to the same per-datum arrays and metrics."""
    outputs: list[dict[str, np.ndarray[Any, Any]]] = [
        {"logprobs": np.array([-0.5, -1.5, -2.5]), "ids": np.array([[1, 2]], dtype=np.int32)},
        {"logprobs": np.array([], dtype=np.float32), "ids": np.zeros((0, 2), dtype=np.int64)},
        {"logprobs": np.array([-4.0]), "ids": np.array([[3, 4], [5, 6]])},
    ]
    body = encode_forward_backward_output(
        ForwardBackwardOutputArrays("ArrayRecord", outputs, {"loss:sum": 3.25, "n:sum": 2.0})
    )
    msg = pb.ForwardBackwardOutput.FromString(body)
    assert [r.num_datums for r in msg.loss_fn_outputs] == [3]
    assert msg.loss_fn_outputs[0].type_tag.endswith(":ArrayRecord")
    assert np.frombuffer(msg.loss_fn_outputs[0].fields["logprobs"].offsets, "<i8").tolist() == [
        0,
        12,
        12,
        16,
    ]
    back = decode_forward_backward_output(body)
    assert back.loss_fn_output_type == "ArrayRecord"
    assert back.metrics == {"loss:sum": 3.25, "n:sum": 2.0}
    for sent, got in zip(outputs, back.loss_fn_outputs, strict=True):
        assert got["logprobs"].dtype == np.float32
        assert got["logprobs"].tolist() == sent["logprobs"].tolist()
        assert got["ids"].dtype == np.int64
        assert got["ids"].shape == sent["ids"].shape
        assert got["ids"].tolist() == sent["ids"].tolist()


def test_datums_with_different_trailing_shapes_get_separate_records() -> None:
    """Ragged outputs are split into internally rectangular records, in order."""
    outputs: list[dict[str, np.ndarray[Any, Any]]] = [
        {"top": np.ones((2, 3), dtype=np.float32)},
        {"top": np.ones((1, 3), dtype=np.float32)},
        {"top": np.ones((4, 2), dtype=np.float32)},
    ]
    body = encode_forward_backward_output(ForwardBackwardOutputArrays("ArrayRecord", outputs, {}))
    msg = pb.ForwardBackwardOutput.FromString(body)
    assert [r.num_datums for r in msg.loss_fn_outputs] == [2, 1]
    back = decode_forward_backward_output(body)
    assert [d["top"].shape for d in back.loss_fn_outputs] == [(2, 3), (1, 3), (4, 2)]


def test_non_numeric_outputs_are_refused() -> None:
    """The server encoder refuses output arrays that have no wire dtype."""
    with pytest.raises(ValueError, match="'flag'"):
        encode_forward_backward_output(
            ForwardBackwardOutputArrays("ArrayRecord", [{"flag": np.array([True])}], {})
        )


@pytest.mark.parametrize(
    ("field", "num_datums", "message"),
    [
        (_batched(bytes(8), _offsets(0, 4, 12), 1), 2, r"offsets: not ascending within 0\.\.8"),
        (_batched(bytes(8), _offsets(4, 0), 1), 1, "not ascending"),
        (_batched(bytes(8), _offsets(-4, 8), 1), 1, "not ascending"),
        (_batched(bytes(8), _offsets(0, 2), 1), 1, "not multiples of the item size 4"),
        (_batched(bytes(8), bytes(12), 1), 1, r"fields\['x'\]\.offsets: 12 bytes"),
        (_batched(bytes(6), _offsets(0, 4), 1), 1, r"fields\['x'\]\.data: 6 bytes"),
        (_batched(bytes(8), _offsets(0, 8), 0), 1, r"fields\['x'\]\.dtype: unsupported"),
        (_batched(bytes(12), _offsets(0, 12), 1, [2]), 1, "3 elements do not divide"),
        (_batched(bytes(8), _offsets(0, 4, 8), 1), 3, r"2 datums, record has 3"),
    ],
)
def test_corrupt_outputs_raise_proto_decode_error(
    field: bytes, num_datums: int, message: str
) -> None:
    """Inconsistent batched tensors raise ProtoDecodeError naming record and field."""
    with pytest.raises(ProtoDecodeError, match=message) as caught:
        decode_forward_backward_output(_record({"x": field}, num_datums))
    assert "loss_fn_outputs[0]" in str(caught.value)


def test_malformed_output_protobuf_raises_proto_decode_error() -> None:
    """Bytes that are not a protobuf message raise ProtoDecodeError."""
    with pytest.raises(ProtoDecodeError, match="ForwardBackwardOutput: malformed"):
        decode_forward_backward_output(b"\x12\xff\xff")
