"""`TensorData` storage and numpy conversions: floats travel as float32, signed ints as int64.

``data`` holds the flat values either as a numpy array (built by `from_numpy`, by `Datum` from
user arrays, or decoded from a protobuf result) or as a Python list (decoded from JSON, or
written by hand). Readers go through `values` (a flat array in the wire dtype, zero-copy for a
stored array of that dtype), `size`, `nbytes`, `to_numpy` and `tolist`, so a 1M-token batch is
never turned into Python numbers unless someone asks for a list. JSON encoding writes an array
as the same flat list of numbers the list form holds (see `tinkex.adapters.msgspec_codec`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Self, cast

import msgspec
import numpy as np

from tinkex.domain.tensors import to_float32, to_sparse_csr, torch_to_numpy
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["TensorDataMixin"]

_FLOAT32: Final = np.dtype(np.float32)
_INT64: Final = np.dtype(np.int64)


class TensorDataMixin:
    """Array-or-list storage, numpy conversions and value equality on `TensorData`."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: Any
        dtype: str
        shape: list[int] | None
        sparse_crow_indices: list[int] | None
        sparse_col_indices: list[int] | None

        def __init__(
            self,
            *,
            data: Any,
            dtype: Any,
            shape: list[int] | None = None,
            sparse_crow_indices: list[int] | None = None,
            sparse_col_indices: list[int] | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        # Runs on construction and on decode. Only the container is normalised here: element
        # checks (numbers, finite, integral) stay with `validate_data`, which names the field.
        data = self.data
        if isinstance(data, np.ndarray):
            if data.ndim != 1 or not data.flags.c_contiguous or type(data) is not np.ndarray:
                # Flat, contiguous, plain ndarray: JSON writes a flat list, protobuf one view.
                _force(self, "data", np.ascontiguousarray(data).reshape(-1))
        elif isinstance(data, tuple):
            _force(self, "data", list(data))
        elif not isinstance(data, list):
            raise ValidationError(
                f"must be a list or a numpy array, got {type(data).__name__}", field="data"
            )

    @classmethod
    def from_numpy(cls, array: npt.NDArray[Any]) -> Self:
        """A dense tensor from an array: float kinds → float32, signed ints → int64.

        No copy is made when `array` is already a C-contiguous float32 or int64 array: the
        tensor then views the caller's array, so writing to that array later changes what
        the tensor holds (and sends). Any other array is converted into one new array.

        Raises:
            ValidationError: The array is bool, unsigned, complex, ragged or non-numeric
                (``field`` is ``array``).
        """
        try:
            array = np.asarray(array)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError("must be a rectangular numeric array", field="array") from None
        kind = array.dtype.kind
        target: np.dtype[Any]
        if kind == "f":
            target, dtype = _FLOAT32, "float32"
        elif kind == "i":
            target, dtype = _INT64, "int64"
        else:
            raise ValidationError(
                f"unsupported array dtype {array.dtype} (use float or int)", field="array"
            )
        flat: npt.NDArray[Any]
        if target is _FLOAT32:
            flat = to_float32(array, "array").reshape(-1)
        else:
            flat = np.ascontiguousarray(array, dtype=target).reshape(-1)
        return cls(data=flat, dtype=dtype, shape=list(array.shape))

    @classmethod
    def from_numpy_sparse(cls, array: npt.NDArray[Any], pad_value: int = 0) -> Self:
        """A 2-D tensor stored as CSR of its entries other than `pad_value`, when smaller.

        Falls back to the dense form when CSR would not save space (or the array is not 2-D).
        """
        dense = cls.from_numpy(array)
        csr = to_sparse_csr(dense.to_numpy(), pad_value)
        if csr is None:
            return dense
        return cls(
            data=csr.values,
            dtype=dense.dtype,
            shape=list(csr.shape),
            sparse_crow_indices=csr.crow_indices.tolist(),
            sparse_col_indices=csr.col_indices.tolist(),
        )

    @classmethod
    def from_torch(cls, tensor: Any) -> Self:
        """A dense tensor from a ``torch.Tensor`` (bfloat16 widened to float32).

        torch is optional; only this method and `to_torch` need it.

        Raises:
            ValidationError: `tensor` is not a torch tensor (``field`` is ``tensor``).
        """
        if not callable(getattr(tensor, "detach", None)):  # duck-typed: torch is optional
            raise ValidationError(
                f"expected a torch.Tensor, got {type(tensor).__name__}", field="tensor"
            )
        return cls.from_numpy(torch_to_numpy(tensor))

    def to_torch(self, pad_value: int = 0) -> Any:
        """The tensor as a ``torch.Tensor`` (sparse densified with `pad_value`).

        Raises:
            ImportError: torch is not installed.
        """
        import torch  # type: ignore[import-not-found]  # optional dependency

        return torch.from_numpy(self.to_numpy(pad_value))

    @property
    def values(self) -> npt.NDArray[Any]:
        """The stored values as a flat array of the wire dtype (sparse: the stored entries).

        Zero-copy when ``data`` is an array of that dtype (`from_numpy` with float32/int64
        input, protobuf results): the result then views the stored array. A list is converted
        on every call.

        Raises:
            ValidationError: ``data`` holds something that is not a number.
        """
        try:
            return np.asarray(self.data, dtype=_np_dtype(self.dtype))
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValidationError("holds values that are not numbers", field="data") from exc

    @property
    def size(self) -> int:
        """How many values are stored (sparse: the stored entries), without converting them."""
        return len(self.data)

    @property
    def nbytes(self) -> int:
        """The stored values' size in the wire dtype (4 bytes each for float32, else 8)."""
        return self.size * _np_dtype(self.dtype).itemsize

    def to_numpy(self, pad_value: int = 0) -> npt.NDArray[np.int64 | np.float32]:
        """The tensor as an array of its dtype, in its shape; sparse CSR is densified.

        A dense array-backed tensor is returned as a view of its storage (no copy): copy it
        before writing to it if the tensor must stay unchanged.

        Raises:
            ValidationError: `pad_value` is not an int, the values are not numbers, the shape
                does not fit the values (``field`` is ``shape``), or the sparse layout is not
                2-D or does not match its values.
        """
        if isinstance(pad_value, bool) or not isinstance(pad_value, int):
            raise ValidationError("must be an int", field="pad_value")
        values = self.values
        shape = _shape_of(self.shape)
        if self.sparse_crow_indices is None or self.sparse_col_indices is None:
            if shape is None:
                return values
            try:
                return values.reshape(shape)
            except ValueError:
                raise ValidationError(
                    f"shape {shape} does not fit {values.size} values", field="shape"
                ) from None
        if shape is None or len(shape) != 2:
            raise ValidationError("sparse TensorData needs a 2-D shape", field="shape")
        try:
            dense = np.full(shape, pad_value, dtype=values.dtype)
            crow = np.asarray(self.sparse_crow_indices, dtype=np.int64)
            rows = np.repeat(np.arange(shape[0]), np.diff(crow))
            dense[rows, np.asarray(self.sparse_col_indices, dtype=np.int64)] = values
        except (IndexError, ValueError, TypeError, OverflowError, MemoryError) as exc:
            raise ValidationError(
                "sparse CSR indices do not match the values and shape", field="sparse_col_indices"
            ) from exc
        return dense

    def tolist(self, pad_value: int = 0) -> list[Any]:
        """The tensor as (nested) Python lists, sparse densified with `pad_value`."""
        result: list[Any] = self.to_numpy(pad_value).tolist()
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TensorDataMixin):
            return NotImplemented
        return (
            self.dtype == other.dtype
            and self.shape == other.shape
            and self.sparse_crow_indices == other.sparse_crow_indices
            and self.sparse_col_indices == other.sparse_col_indices
            and _data_equal(self, other)
        )

    __hash__ = None  # type: ignore[assignment]  # holds a list or an array: unhashable


def _shape_of(shape: object) -> tuple[int, ...] | None:
    if shape is None:
        return None
    if not isinstance(shape, list | tuple) or not all(
        isinstance(dim, int) and not isinstance(dim, bool) and dim >= 0 for dim in shape
    ):
        raise ValidationError("must be a list of non-negative ints", field="shape")
    return tuple(shape)


def _np_dtype(dtype: object) -> np.dtype[Any]:
    # Anything but float32 reads as int64, as the wire's two dtypes allow (the field is not
    # checked at construction: an array there must not make == ambiguous).
    return _FLOAT32 if isinstance(dtype, str) and dtype == "float32" else _INT64


def _data_equal(a: TensorDataMixin, b: TensorDataMixin) -> bool:
    if isinstance(a.data, list) and isinstance(b.data, list):
        return bool(a.data == b.data)
    # An array on either side: compare the values as they would go on the wire.
    try:
        left, right = a.values, b.values
    except ValidationError:
        return False
    return bool(np.array_equal(left, right, equal_nan=left.dtype.kind == "f"))


def _force(obj: object, name: str, value: object) -> None:
    # Frozen Structs refuse __setattr__; normalising a field in __post_init__ needs this.
    msgspec.structs.force_setattr(cast("msgspec.Struct", obj), name, value)
