"""Packing numpy arrays into protobuf `Tensor` / byte fields and unpacking them, with checks.

Everything here is vectorised: arrays become bytes through one `astype(...).tobytes()` and bytes
become arrays through `np.frombuffer`, so no Python loop ever runs per element. Decoded arrays
may be read-only views over the message bytes; copy before writing into them.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from tinkex.proto import messages as pb
from tinkex.proto.arrays import Array, LossInput, ProtoDecodeError, SparseCsrArray

__all__ = [
    "array_from_bytes",
    "fill_tensor",
    "frombuffer_checked",
    "read_tensor",
    "source_dtype",
    "widen",
    "wire_dtype_of",
]

# Wire dtype → how its bytes are laid out (bf16 is read as raw 16-bit words, then widened).
_SOURCE_DTYPES: Final[dict[int, np.dtype[np.generic]]] = {
    pb.DTYPE_FLOAT32: np.dtype("<f4"),
    pb.DTYPE_INT64: np.dtype("<i8"),
    pb.DTYPE_INT32: np.dtype("<i4"),
    pb.DTYPE_BFLOAT16: np.dtype("<u2"),
}


def wire_dtype_of(arr: Array, what: str) -> int:
    """Choose the wire dtype the SDK uses for an array: floats → FLOAT32, integers → INT64.

    Args:
        arr: The array to send.
        what: Name used in the error message.

    Returns:
        `pb.DTYPE_FLOAT32` or `pb.DTYPE_INT64`.

    Raises:
        ValueError: For booleans, complex numbers, strings or objects.
    """
    kind = arr.dtype.kind
    if kind == "f":
        return pb.DTYPE_FLOAT32
    if kind in "iu":
        return pb.DTYPE_INT64
    raise ValueError(f"{what}: unsupported array dtype {arr.dtype} (need a float or int kind)")


def _pack(arr: Array, wire_dtype: int) -> bytes:
    # tobytes() always emits C order, so non-contiguous views are packed correctly.
    return arr.astype(_SOURCE_DTYPES[wire_dtype], copy=False).tobytes()


def fill_tensor(msg: pb.Tensor, value: LossInput, what: str, *, dtype: int | None = None) -> None:
    """Write `value` into an empty `Tensor` message.

    Args:
        msg: The message to fill (dense bytes or sparse CSR, dtype and shape).
        value: A dense array (any shape) or a CSR tensor.
        what: Name used in error messages.
        dtype: Wire dtype to use; by default float kinds → FLOAT32 and int kinds → INT64.

    Raises:
        ValueError: When the dtype is not numeric or the CSR parts disagree in length.
    """
    if isinstance(value, SparseCsrArray):
        values = np.asarray(value.values)
        wire = wire_dtype_of(values, what) if dtype is None else dtype
        col = np.asarray(value.col_indices)
        if values.shape != col.shape or values.ndim != 1:
            raise ValueError(f"{what}: CSR values and col_indices must be 1-D of equal length")
        csr = msg.sparse_csr
        csr.values = _pack(values, wire)
        csr.crow_indices = _pack(np.asarray(value.crow_indices), pb.DTYPE_INT64)
        csr.col_indices = _pack(col, pb.DTYPE_INT64)
        msg.dtype = wire  # type: ignore[assignment]  # stubs want the enum wrapper type
        msg.shape.extend(value.shape)
        return
    arr = np.asarray(value)
    wire = wire_dtype_of(arr, what) if dtype is None else dtype
    msg.dense = _pack(arr, wire)
    msg.dtype = wire  # type: ignore[assignment]  # stubs want the enum wrapper type
    msg.shape.extend(arr.shape)


def frombuffer_checked(buf: bytes, dtype: np.dtype[np.generic] | str, what: str) -> Array:
    """View `buf` as a 1-D array, checking that its length is a whole number of items.

    Raises:
        ProtoDecodeError: When `len(buf)` is not a multiple of the item size.
    """
    dt = np.dtype(dtype)
    if len(buf) % dt.itemsize:
        raise ProtoDecodeError(
            f"{what}: {len(buf)} bytes is not a multiple of the {dt.name} item size {dt.itemsize}"
        )
    return np.frombuffer(buf, dtype=dt)


def widen(raw: Array, wire_dtype: int) -> Array:
    """Widen raw wire values to the public dtypes: bf16 → float32, int32 → int64."""
    if wire_dtype == pb.DTYPE_BFLOAT16:
        # bfloat16 is the top half of a float32: shift the 16-bit word up and reinterpret.
        return (raw.astype(np.uint32) << 16).view(np.float32)
    if wire_dtype == pb.DTYPE_INT32:
        return raw.astype(np.int64)
    # Native byte order (a no-op on little-endian hosts).
    return raw.astype(raw.dtype.newbyteorder("="), copy=False)


def source_dtype(wire_dtype: int, what: str) -> np.dtype[np.generic]:
    """Return the numpy layout of a wire dtype.

    Raises:
        ProtoDecodeError: For DTYPE_UNSPECIFIED or an unknown enum value.
    """
    found = _SOURCE_DTYPES.get(wire_dtype)
    if found is None:
        raise ProtoDecodeError(f"{what}: unsupported dtype enum value {wire_dtype}")
    return found


def array_from_bytes(buf: bytes, wire_dtype: int, what: str) -> Array:
    """Decode packed little-endian bytes of a wire dtype into a widened 1-D array.

    Raises:
        ProtoDecodeError: For an unsupported dtype or a byte length that is not whole items.
    """
    return widen(frombuffer_checked(buf, source_dtype(wire_dtype, what), what), wire_dtype)


def _checked_shape(shape: tuple[int, ...], what: str) -> tuple[int, ...]:
    if any(dim < 0 for dim in shape):
        raise ProtoDecodeError(f"{what}.shape: negative dimension in {list(shape)}")
    return shape


def read_tensor(msg: pb.Tensor, what: str) -> LossInput:
    """Decode a `Tensor` message into a shaped numpy array or a `SparseCsrArray`.

    Args:
        msg: The message.
        what: Field path used in error messages.

    Returns:
        Dense tensors reshaped to their declared shape (1-D when no shape was sent); sparse
        tensors as CSR parts with int64 indices. Values are float32 or int64.

    Raises:
        ProtoDecodeError: When the bytes, dtype, shape or CSR parts are inconsistent.
    """
    shape = _checked_shape(tuple(msg.shape), what)
    if msg.WhichOneof("encoding") == "sparse_csr":
        csr = msg.sparse_csr
        values = array_from_bytes(csr.values, msg.dtype, f"{what}.sparse_csr.values")
        crow = frombuffer_checked(csr.crow_indices, "<i8", f"{what}.sparse_csr.crow_indices")
        col = frombuffer_checked(csr.col_indices, "<i8", f"{what}.sparse_csr.col_indices")
        if col.size != values.size:
            raise ProtoDecodeError(
                f"{what}.sparse_csr: {col.size} col_indices for {values.size} values"
            )
        if len(shape) != 2 or crow.size != shape[0] + 1:
            raise ProtoDecodeError(
                f"{what}.sparse_csr: {crow.size} crow_indices do not fit shape {list(shape)}"
            )
        return SparseCsrArray(values=values, crow_indices=crow, col_indices=col, shape=shape)
    # An unset oneof is an empty dense tensor (proto3 drops nothing else for us to read).
    arr = array_from_bytes(msg.dense, msg.dtype, f"{what}.dense")
    if not shape:
        return arr
    if math.prod(shape) != arr.size:
        raise ProtoDecodeError(f"{what}: {arr.size} elements do not fill shape {list(shape)}")
    return arr.reshape(shape)
