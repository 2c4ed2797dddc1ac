"""The `ForwardBackwardOutput` protobuf body: server encode, client decode.

Per-datum outputs of one field travel as a `BatchedTensor`: every datum's values concatenated
in `data`, with int64 *byte* offsets (num_datums + 1 entries) marking where each datum starts.
Decoding widens whole buffers once (bf16 → float32, int32 → int64) and then only slices, so
the Python work is per datum, never per element.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Final

import numpy as np
from google.protobuf.message import DecodeError as _PbDecodeError

from tinkex.proto import messages as pb
from tinkex.proto.arrays import Array, ForwardBackwardOutputArrays, ProtoDecodeError
from tinkex.proto.tensors import frombuffer_checked, source_dtype, widen, wire_dtype_of

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping, Sequence

__all__ = ["decode_forward_backward_output", "encode_forward_backward_output"]

_DEFAULT_OUTPUT_TYPE: Final = "ArrayRecord"
# Namespace the server puts before the class name; clients keep only the text after the last ':'.
_TYPE_NAMESPACE: Final = "tinker:"
_PACKED: Final[dict[int, str]] = {pb.DTYPE_FLOAT32: "<f4", pb.DTYPE_INT64: "<i8"}


# --------------------------------------------------------------------------- encode


def encode_forward_backward_output(out: ForwardBackwardOutputArrays) -> bytes:
    """Serialize a forward/forward_backward result.

    Consecutive datums with the same fields, dtype kinds and trailing shapes share one
    `ArrayRecord` (normally a single record for the whole batch); float outputs are written
    as FLOAT32 and integer outputs as INT64.

    Args:
        out: The result; each datum maps field names to arrays of at least one dimension.

    Returns:
        The `application/x-protobuf` body.

    Raises:
        ValueError: For a non-numeric output array.
    """
    type_name = out.loss_fn_output_type or _DEFAULT_OUTPUT_TYPE
    tag = type_name if ":" in type_name else _TYPE_NAMESPACE + type_name
    msg = pb.ForwardBackwardOutput(loss_fn_output_type=tag)
    for key, value in out.metrics.items():
        msg.metrics[key] = float(value)
    datums = [{name: np.atleast_1d(arr) for name, arr in d.items()} for d in out.loss_fn_outputs]
    start = 0
    while start < len(datums):
        signature = _signature(datums[start])
        end = start + 1
        while end < len(datums) and _signature(datums[end]) == signature:
            end += 1
        _fill_record(msg.loss_fn_outputs.add(), tag, datums[start:end])
        start = end
    return msg.SerializeToString()


def _signature(datum: Mapping[str, Array]) -> Hashable:
    return tuple(
        (name, arr.dtype.kind == "f", arr.shape[1:]) for name, arr in sorted(datum.items())
    )


def _fill_record(record: pb.ArrayRecord, tag: str, datums: Sequence[Mapping[str, Array]]) -> None:
    record.type_tag = tag
    record.num_datums = len(datums)
    for name, first in datums[0].items():
        wire = wire_dtype_of(first, f"loss_fn_outputs[*][{name!r}]")
        arrays = [d[name] for d in datums]
        itemsize = np.dtype(_PACKED[wire]).itemsize
        offsets = np.zeros(len(arrays) + 1, dtype="<i8")
        np.cumsum([a.size * itemsize for a in arrays], out=offsets[1:])
        field = record.fields[name]
        field.data = np.concatenate(arrays, axis=None, dtype=_PACKED[wire]).tobytes()
        field.offsets = offsets.tobytes()
        field.dtype = wire  # type: ignore[assignment]  # stubs want the enum wrapper type
        field.trailing_shape.extend(first.shape[1:])


# --------------------------------------------------------------------------- decode


def decode_forward_backward_output(body: bytes) -> ForwardBackwardOutputArrays:
    """Parse a forward/forward_backward result (the client side of the wire).

    Args:
        body: The protobuf body of a completed future.

    Returns:
        The result. Per datum, each field is a writable float32 (from float32/bf16) or int64
        (from int64/int32) array of shape `[elements / prod(trailing_shape), *trailing_shape]`;
        records are concatenated in order; the output type is the text after the last `:`
        (`"ArrayRecord"` when empty).

    Raises:
        ProtoDecodeError: For malformed protobuf, an unsupported dtype, offsets that are out
            of range, unordered or not whole items, or a shape that does not divide; the
            message names the record and field.
    """
    try:
        msg = pb.ForwardBackwardOutput.FromString(body)
    except _PbDecodeError as exc:
        raise ProtoDecodeError(f"ForwardBackwardOutput: malformed protobuf ({exc})") from exc
    outputs: list[dict[str, Array]] = []
    for index, record in enumerate(msg.loss_fn_outputs):
        outputs.extend(_read_record(record, f"loss_fn_outputs[{index}]"))
    type_name = msg.loss_fn_output_type.rsplit(":", 1)[-1] or _DEFAULT_OUTPUT_TYPE
    return ForwardBackwardOutputArrays(
        loss_fn_output_type=type_name,
        loss_fn_outputs=outputs,
        metrics=dict(msg.metrics.items()),
    )


def _read_record(record: pb.ArrayRecord, where: str) -> list[dict[str, Array]]:
    count = record.num_datums
    if count < 0:
        raise ProtoDecodeError(f"{where}.num_datums: negative ({count})")
    per_field: dict[str, list[Array]] = {}
    for name, batched in record.fields.items():
        per_field[name] = _split(batched, f"{where}.fields[{name!r}]")
    if count == 0 and per_field:
        # Records written before num_datums existed: the offsets tell the count.
        count = len(next(iter(per_field.values())))
    for name, arrays in per_field.items():
        if len(arrays) != count:
            raise ProtoDecodeError(
                f"{where}.fields[{name!r}].offsets: {len(arrays)} datums, record has {count}"
            )
    return [{name: arrays[i] for name, arrays in per_field.items()} for i in range(count)]


def _split(batched: pb.BatchedTensor, where: str) -> list[Array]:
    src = source_dtype(batched.dtype, f"{where}.dtype")
    raw = frombuffer_checked(batched.data, src, f"{where}.data")
    offsets = frombuffer_checked(batched.offsets, "<i8", f"{where}.offsets")
    itemsize = src.itemsize
    if offsets.size == 0:
        return []
    if (
        int(offsets[0]) < 0
        or int(offsets[-1]) > len(batched.data)
        or bool(np.any(np.diff(offsets) < 0))
    ):
        raise ProtoDecodeError(f"{where}.offsets: not ascending within 0..{len(batched.data)}")
    if bool(np.any(offsets % itemsize)):
        raise ProtoDecodeError(f"{where}.offsets: not multiples of the item size {itemsize}")
    # One vectorised widening (or copy, so the result is writable) of the whole buffer.
    values = widen(raw, batched.dtype)
    if values is raw or not values.flags.writeable:
        values = values.copy()
    trailing = tuple(batched.trailing_shape)
    per_row = math.prod(trailing)
    if any(dim < 0 for dim in trailing):
        raise ProtoDecodeError(f"{where}.trailing_shape: negative dimension in {list(trailing)}")
    bounds = (offsets // itemsize).tolist()
    out: list[Array] = []
    for start, end in itertools.pairwise(bounds):
        flat = values[start:end]
        size = end - start
        if per_row == 0 or size % per_row:
            if size == 0 and per_row == 0:
                out.append(flat.reshape((0, *trailing)))
                continue
            raise ProtoDecodeError(
                f"{where}: {size} elements do not divide into rows of shape {list(trailing)}"
            )
        out.append(flat.reshape((size // per_row, *trailing)))
    return out
