"""Checks that a `TensorData` can go on the wire, before a request holding it is built.

Used for training inputs (``loss_fn_inputs``) and for sampling's ``target_prompt_logprobs``.
An array is checked as it is, in a few vectorised passes (an integer array in none, unless it
holds token ids, which take one); a list is read into an array once. The dtype must be one of
the wire's two, the values numbers that fit it, the data flat with the shape describing it,
and sparse CSR indices consistent with the values and the shape.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from tinkex.domain.limits import MAX_TOKEN_ID, MIN_TOKEN_ID
from tinkex.domain.tensors import check_csr
from tinkex.domain.types import TensorData
from tinkex.errors import ValidationError

__all__ = ["check_tensor"]

_FLOAT32: Final = np.dtype(np.float32)
_INT64: Final = np.dtype(np.int64)
_UINT64: Final = np.dtype(np.uint64)
_FLOAT32_MAX: Final = float(np.finfo(np.float32).max)
_INT64_BOUND: Final = float(2**63)  # every finite float below it in magnitude fits int64
_INT64_MAX: Final = 2**63 - 1


def check_tensor(
    tensor: object, field: str, *, token_ids: bool = False, min_id: int = MIN_TOKEN_ID
) -> int | None:
    """Check one tensor; return its number of rows (dimension 0) when known.

    Args:
        tensor: The tensor.
        field: Its name in errors.
        token_ids: The values are token ids: int64, each in ``[min_id, MAX_TOKEN_ID]``.
        min_id: The smallest id allowed (``-1`` where -1 marks a cell to skip).

    Raises:
        ValidationError: Anything that cannot be sent or would be read wrongly.
    """
    if not isinstance(tensor, TensorData):
        raise ValidationError(f"expected TensorData, got {type(tensor).__name__}", field=field)
    rows = _dense_fast_path(tensor, token_ids=token_ids and min_id == MIN_TOKEN_ID)
    if rows is not None:
        return rows
    dtype: object = tensor.dtype  # built without validation: check at runtime
    if not isinstance(dtype, str) or dtype not in ("int64", "float32"):
        raise ValidationError(f"dtype must be int64 or float32, got {dtype!r}", field=field)
    if token_ids and dtype != "int64":
        raise ValidationError(f"token ids must be int64, got {dtype}", field=field)
    values = _check_values(tensor.data, dtype, field)
    if token_ids:
        _check_ids(values, field, min_id)
    shape = _check_shape(tensor.shape, field)
    if tensor.sparse_crow_indices is not None or tensor.sparse_col_indices is not None:
        return _check_sparse(tensor, shape, int(values.size), field)
    count = int(values.size)
    if shape is None:
        return count
    expected = 1
    for dim in shape:
        expected *= dim
    if expected != count:
        raise ValidationError(f"shape {shape} needs {expected} values, got {count}", field=field)
    return shape[0] if shape else None


def _dense_fast_path(tensor: TensorData, *, token_ids: bool) -> int | None:
    """Rows of the usual tensor (a flat array of its wire dtype, 1-D shape), if it is valid.

    One vectorised pass at most; None sends anything else, and anything wrong, through the
    general checks, which name the problem.
    """
    data, shape = tensor.data, tensor.shape
    if (
        type(data) is not np.ndarray
        or data.ndim != 1
        or tensor.sparse_crow_indices is not None
        or tensor.sparse_col_indices is not None
    ):
        return None
    size = data.size
    if shape is not None and not (
        type(shape) is list and len(shape) == 1 and type(shape[0]) is int and shape[0] == size
    ):
        return None
    dtype = tensor.dtype
    if dtype == "float32" and data.dtype == _FLOAT32:
        ok = token_ids is False and bool(np.isfinite(data).all())
    elif dtype == "int64" and data.dtype == _INT64:
        # Viewed as unsigned, every negative id lands above MAX_TOKEN_ID: one max() for both.
        ok = not token_ids or not size or bool(data.view(_UINT64).max() <= MAX_TOKEN_ID)
    else:
        return None
    return size if ok else None


def _check_values(data: object, dtype: str, field: str) -> np.ndarray[Any, Any]:
    # An array (the usual case: Datum keeps the caller's arrays) is checked as it is, in a few
    # vectorised passes; a list is read into an array once. Integer arrays need no pass.
    if isinstance(data, np.ndarray):
        values = data
    else:
        try:
            values = np.asarray(data)
        except (TypeError, ValueError, OverflowError):  # ragged nesting and the like
            raise ValidationError("holds values that are not numbers", field=field) from None
    kind = values.dtype.kind
    if kind not in "iuf":
        raise ValidationError("holds values that are not numbers", field=field)
    if values.ndim != 1:
        raise ValidationError(
            f"data must be flat (give the dimensions in shape), got {values.ndim}-D", field=field
        )
    if kind == "f":
        if not np.isfinite(values).all():
            raise ValidationError("holds NaN or infinite values", field=field)
        if dtype == "int64":
            if not (values == np.floor(values)).all():
                raise ValidationError("an int64 tensor holds fractional values", field=field)
            if _abs_max(values) >= _INT64_BOUND:
                raise ValidationError("holds values that do not fit int64", field=field)
        elif values.dtype.itemsize > 4 and _abs_max(values) > _FLOAT32_MAX:
            raise ValidationError("holds values that do not fit float32", field=field)
    elif kind == "u" and dtype == "int64" and values.size and int(values.max()) > _INT64_MAX:
        raise ValidationError("holds values that do not fit int64", field=field)
    return values


def _abs_max(values: np.ndarray[Any, Any]) -> float:
    return float(np.abs(values).max()) if values.size else 0.0


def _check_ids(values: np.ndarray[Any, Any], field: str, min_id: int) -> None:
    if not values.size:
        return
    if values.dtype.kind == "i" and min_id == 0:
        # Viewed as unsigned, every negative id lands above MAX_TOKEN_ID: one max() for both.
        if values.view(values.dtype.str.replace("i", "u")).max() <= MAX_TOKEN_ID:
            return
    else:
        low, high = values.min(), values.max()
        if low >= min_id and high <= MAX_TOKEN_ID:
            return
    raise ValidationError(
        f"token ids must be in [{min_id}, {MAX_TOKEN_ID}], got values in "
        f"[{values.min()}, {values.max()}]",
        field=field,
    )


def _check_shape(shape: object, field: str) -> list[int] | None:
    if shape is None:
        return None
    if type(shape) is list and len(shape) == 1 and type(shape[0]) is int and shape[0] >= 0:
        return shape  # the usual 1-D shape, without a generator
    if not isinstance(shape, list | tuple) or not all(
        isinstance(dim, int) and not isinstance(dim, bool) and dim >= 0 for dim in shape
    ):
        raise ValidationError(
            f"shape must be a list of non-negative ints, got {_short(shape)}", field=field
        )
    return list(shape)


def _check_sparse(tensor: TensorData, shape: list[int] | None, count: int, field: str) -> int:
    crow_raw, col_raw = tensor.sparse_crow_indices, tensor.sparse_col_indices
    if crow_raw is None or col_raw is None or shape is None or len(shape) != 2:
        raise ValidationError(
            "a sparse tensor needs crow and col indices and a 2-D shape", field=field
        )
    crow, col = _index_array(crow_raw, field), _index_array(col_raw, field)
    try:
        check_csr(crow, col, count, shape[0], shape[1])
    except ValidationError as exc:
        raise ValidationError(f"sparse CSR indices: {exc.message}", field=field) from None
    return shape[0]


def _index_array(value: object, field: str) -> np.ndarray[Any, np.dtype[np.int64]]:
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        array = np.asarray([None], dtype=object)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ValidationError("sparse CSR indices must be flat lists of ints", field=field)
    if array.dtype.kind == "u" and array.size and int(array.max()) > _INT64_MAX:
        raise ValidationError("sparse CSR indices do not fit int64", field=field)
    return array.astype(np.int64)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
