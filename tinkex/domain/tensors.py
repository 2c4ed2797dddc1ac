"""Conversion of user values into ``loss_fn_inputs`` arrays, and sparse CSR packing.

The wire knows two dtypes, float32 and int64. A value under a registered key
(`LOSS_INPUT_DTYPES`: ``target_tokens`` int64, ``weights``/``advantages``/... float32) is cast to
that key's dtype; under any other key a numpy array keeps its kind (floats become float32,
signed integers int64). A plain list under an unregistered key is an error, since a list alone
does not say whether ``[1, 2]`` are token ids or weights: pass a numpy array with an explicit
dtype. Bool and unsigned arrays, ragged lists, NaN under a registered key, and non-integral,
infinite or out-of-range values bound for int64 are errors too.

Casting float arrays under ``target_tokens`` to int64 is a deliberate refinement over the
official client (which would send them as float32, which the server reads as garbage ids).

Torch tensors are accepted without importing torch: they are detached, moved to the CPU,
widened from bfloat16 to float32 and then treated like numpy arrays. torch is optional and not
needed for type checking (values cross that boundary as `Any`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from tinkex.errors import ValidationError

__all__ = [
    "LOSS_INPUT_DTYPES",
    "SPARSE_ELIGIBLE_KEYS",
    "SparseCsr",
    "as_loss_input_array",
    "check_csr",
    "from_sparse_csr",
    "is_torch_tensor",
    "to_float32",
    "to_sparse_csr",
    "torch_to_numpy",
    "wire_dtype",
]

LOSS_INPUT_DTYPES: Final[dict[str, type[np.generic]]] = {
    "target_tokens": np.int64,
    "weights": np.float32,
    "advantages": np.float32,
    "logprobs": np.float32,
    "clip_low_threshold": np.float32,
    "clip_high_threshold": np.float32,
    "sequence_ratio_mask": np.float32,
}
"""The dtype of a plain-list value under each known ``loss_fn_inputs`` key."""

SPARSE_ELIGIBLE_KEYS: Final = frozenset({"target_tokens", "weights"})
"""Keys whose 2-D values the official client sends as sparse CSR when that is smaller."""

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


def is_torch_tensor(value: object) -> bool:
    """Whether `value` is a torch tensor (checked without importing torch)."""
    cls = type(value)
    return cls.__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def torch_to_numpy(tensor: Any) -> npt.NDArray[Any]:
    """Convert a torch tensor to numpy: detached, on the CPU, bfloat16 widened to float32.

    Args:
        tensor: A ``torch.Tensor`` (typed `Any` so torch is not needed to type-check).

    Returns:
        The values as a numpy array.
    """
    cpu = tensor.detach().cpu()
    if str(cpu.dtype) == "torch.bfloat16":
        # numpy has no bfloat16; float32 holds every bfloat16 value exactly.
        cpu = cpu.float()
    array: npt.NDArray[Any] = cpu.numpy()
    return array


def wire_dtype(array: npt.NDArray[Any]) -> Literal["int64", "float32"]:
    """The wire dtype name of an array produced by `as_loss_input_array`."""
    return "int64" if array.dtype == np.int64 else "float32"


def as_loss_input_array(key: str, value: object, *, field: str | None = None) -> npt.NDArray[Any]:
    """Convert one ``loss_fn_inputs`` value into a contiguous float32 or int64 array.

    Args:
        key: The ``loss_fn_inputs`` key (decides the dtype of plain lists).
        value: A numpy array, a torch tensor, or a (nested) list / tuple of numbers.
        field: Name reported in errors; defaults to ``loss_fn_inputs[<key>]``.

    Returns:
        The converted array.

    Raises:
        ValidationError: The value's type, dtype, shape or contents cannot go on the wire.
    """
    where = field if field is not None else f"loss_fn_inputs[{key!r}]"
    if is_torch_tensor(value):
        value = torch_to_numpy(value)
    if isinstance(value, np.ndarray):
        raw = _check_numpy_kind(value, where)
    elif isinstance(value, list | tuple):
        raw = _list_to_numpy(key, value, where)
    else:
        raise ValidationError(
            f"expected a numpy array, a torch tensor or a list, got {type(value).__name__}",
            field=where,
        )
    target = LOSS_INPUT_DTYPES.get(key)
    if target is None:
        target = np.float32 if raw.dtype.kind == "f" else np.int64
    if target is np.int64:
        return np.ascontiguousarray(_to_int64(raw, where))
    array = to_float32(raw, where)
    if key in LOSS_INPUT_DTYPES and np.isnan(array).any():
        raise ValidationError("must not contain NaN", field=where)
    return array


def to_float32(values: npt.NDArray[Any], field: str) -> npt.NDArray[np.float32]:
    """`values` as a C-contiguous float32 array; a finite value beyond float32 is an error.

    Raises:
        ValidationError: A finite value would become infinite (``field`` names the input).
    """
    if values.dtype.kind != "f" or values.dtype.itemsize <= 4:
        return np.ascontiguousarray(values, dtype=np.float32)
    with np.errstate(over="ignore"):  # detected below, and named
        narrowed = np.ascontiguousarray(values, dtype=np.float32)
    if np.isinf(narrowed).any() and not np.isinf(values).any():
        raise ValidationError("holds values that do not fit float32", field=field)
    return narrowed


def _check_numpy_kind(value: npt.NDArray[Any], where: str) -> npt.NDArray[Any]:
    if value.dtype.kind not in "fi":
        raise ValidationError(
            f"dtype {value.dtype} is not supported; use a float array (sent as float32) or a "
            "signed integer array (sent as int64)",
            field=where,
        )
    return value


def _list_to_numpy(key: str, value: list[Any] | tuple[Any, ...], where: str) -> npt.NDArray[Any]:
    if key not in LOSS_INPUT_DTYPES:
        known = ", ".join(LOSS_INPUT_DTYPES)
        raise ValidationError(
            f"a plain list under {key!r} has no known dtype (known keys: {known}); pass a numpy "
            "array with an explicit dtype, e.g. np.asarray(values, dtype=np.float32)",
            field=where,
        )
    try:
        raw = np.asarray(value)
    except ValueError as exc:  # numpy refuses ragged nesting
        raise ValidationError(
            "must be a rectangular numeric array; ragged nested lists are not supported",
            field=where,
        ) from exc
    if raw.dtype.kind not in "fiu":
        raise ValidationError(
            f"must be a rectangular numeric array of int or float values, got {raw.dtype} "
            "elements (bools must be cast explicitly)",
            field=where,
        )
    return raw


def _to_int64(raw: npt.NDArray[Any], where: str) -> npt.NDArray[Any]:
    if raw.dtype.kind == "f":
        # Only whole, finite numbers are token ids; casting would silently corrupt the rest.
        if not np.all(np.isfinite(raw)):
            raise ValidationError("must not contain NaN or infinite values", field=where)
        if not np.all(raw == np.trunc(raw)):
            raise ValidationError("must contain whole numbers (token ids)", field=where)
        # 2**63 - 1 has no float: the largest float below 2**63 is the last that fits.
        if raw.size and (raw.min() < -(2.0**63) or raw.max() >= 2.0**63):
            raise ValidationError("values do not fit in int64", field=where)
    if raw.size and (raw.min() < _INT64_MIN or raw.max() > _INT64_MAX):
        raise ValidationError("values do not fit in int64", field=where)
    return raw.astype(np.int64, copy=False)


@dataclass(frozen=True, slots=True)
class SparseCsr:
    """A 2-D array in compressed sparse row form; absent entries equal the pad value.

    Attributes:
        values: The stored (non-pad) entries, row by row.
        crow_indices: Row pointers (int64, ``rows + 1`` entries).
        col_indices: Column of each stored entry (int64).
        shape: ``(rows, cols)``.
    """

    values: npt.NDArray[Any]
    crow_indices: npt.NDArray[np.int64]
    col_indices: npt.NDArray[np.int64]
    shape: tuple[int, int]


def _check_pad(pad_value: object) -> int:
    if isinstance(pad_value, bool) or not isinstance(pad_value, int | np.integer):
        raise ValidationError(
            f"must be an integer, got {type(pad_value).__name__}", field="pad_value"
        )
    return int(pad_value)


def to_sparse_csr(array: npt.NDArray[Any], pad_value: int = 0) -> SparseCsr | None:
    """Pack a 2-D array as CSR of its entries different from `pad_value`, if that is smaller.

    Args:
        array: A 2-D array.
        pad_value: The value left out (an integer; bool rejected).

    Returns:
        The CSR form, or None when ``(rows + 1) + 2 * nnz >= rows * cols`` (dense is smaller)
        or the array is not 2-D.

    Raises:
        ValidationError: `pad_value` is not an integer.
    """
    pad = _check_pad(pad_value)
    if array.ndim != 2:
        return None
    rows, cols = array.shape
    mask = array != pad
    nnz = int(mask.sum())
    if (rows + 1) + 2 * nnz >= rows * cols:
        return None
    row_idx, col_idx = np.nonzero(mask)
    crow = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_idx, minlength=rows), out=crow[1:])
    return SparseCsr(
        values=np.ascontiguousarray(array[row_idx, col_idx]),
        crow_indices=crow,
        col_indices=col_idx.astype(np.int64),
        shape=(rows, cols),
    )


def from_sparse_csr(csr: SparseCsr, pad_value: int = 0) -> npt.NDArray[Any]:
    """Densify a CSR array, filling absent entries with `pad_value`.

    Args:
        csr: The sparse array.
        pad_value: The value of absent entries (an integer; bool rejected).

    Returns:
        A dense array of ``csr.shape`` with the dtype of ``csr.values``.

    Raises:
        ValidationError: `pad_value` is not an integer or the CSR arrays are inconsistent.
    """
    pad = _check_pad(pad_value)
    rows, cols = csr.shape
    crow = np.asarray(csr.crow_indices, dtype=np.int64)
    col = np.asarray(csr.col_indices, dtype=np.int64)
    check_csr(crow, col, len(csr.values), rows, cols)
    dense = np.full((rows, cols), pad, dtype=csr.values.dtype)
    row_of_entry = np.repeat(np.arange(rows), np.diff(crow))
    dense[row_of_entry, col] = csr.values
    return dense


def check_csr(
    crow: npt.NDArray[np.int64], col: npt.NDArray[np.int64], nnz: int, rows: int, cols: int
) -> None:
    """Check CSR row pointers and column indices against the entry count and the shape.

    Args:
        crow: Row pointers (``rows + 1`` non-decreasing entries from 0 to `nnz`).
        col: Column of each entry (in ``[0, cols)``, increasing within a row).
        nnz: Number of stored entries.
        rows: Rows of the dense shape.
        cols: Columns of the dense shape.

    Raises:
        ValidationError: The indices are inconsistent (``field`` is ``sparse_csr``).
    """
    problem = None
    if rows < 0 or cols < 0:
        problem = f"shape ({rows}, {cols}) is negative"
    elif crow.shape != (rows + 1,) or crow[0] != 0 or np.any(np.diff(crow) < 0):
        problem = "crow_indices must have rows + 1 non-decreasing entries starting at 0"
    elif crow[-1] != nnz or col.shape != (nnz,):
        problem = "crow_indices[-1], len(col_indices) and len(values) must agree"
    elif nnz and (col.min() < 0 or col.max() >= cols):
        problem = f"col_indices must lie in [0, {cols})"
    else:
        row_of_entry = np.repeat(np.arange(rows), np.diff(crow))
        same_row = row_of_entry[1:] == row_of_entry[:-1]
        if np.any(same_row & (np.diff(col) <= 0)):
            problem = "col_indices must be strictly increasing within each row"
    if problem is not None:
        raise ValidationError(problem, field="sparse_csr")
