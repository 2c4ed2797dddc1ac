"""numpy conversions of `TensorData` (spec 12.2): float kinds become float32, signed ints int64."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import numpy as np

from tinkex.domain.tensors import to_sparse_csr, torch_to_numpy
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["TensorDataMixin"]


class TensorDataMixin:
    """numpy helpers on `TensorData`."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: list[int | float]
        dtype: str
        shape: list[int] | None
        sparse_crow_indices: list[int] | None
        sparse_col_indices: list[int] | None

        def __init__(
            self,
            *,
            data: list[int | float],
            dtype: Any,
            shape: list[int] | None = None,
            sparse_crow_indices: list[int] | None = None,
            sparse_col_indices: list[int] | None = None,
        ) -> None: ...

    @classmethod
    def from_numpy(cls, array: npt.NDArray[Any]) -> Self:
        """A dense tensor from an array: float kinds → float32, signed ints → int64.

        Raises:
            ValidationError: The array is bool, unsigned, complex or non-numeric.
        """
        if array.dtype.kind == "f":
            converted, dtype = array.astype(np.float32), "float32"
        elif array.dtype.kind == "i":
            converted, dtype = array.astype(np.int64), "int64"
        else:
            raise ValidationError(f"unsupported array dtype {array.dtype} (use float or int)")
        return cls(data=converted.ravel().tolist(), dtype=dtype, shape=list(array.shape))

    @classmethod
    def from_numpy_sparse(cls, array: npt.NDArray[Any], pad_value: int = 0) -> Self:
        """A 2-D tensor stored as CSR of its entries other than `pad_value`, when smaller.

        Falls back to the dense form when CSR would not save space (or the array is not 2-D).
        """
        dense = cls.from_numpy(array)
        csr = to_sparse_csr(np.asarray(dense.to_numpy()), pad_value)
        if csr is None:
            return dense
        return cls(
            data=csr.values.tolist(),
            dtype=dense.dtype,
            shape=list(csr.shape),
            sparse_crow_indices=csr.crow_indices.tolist(),
            sparse_col_indices=csr.col_indices.tolist(),
        )

    @classmethod
    def from_torch(cls, tensor: Any) -> Self:
        """A dense tensor from a ``torch.Tensor`` (bfloat16 widened to float32).

        torch is optional; only this method and `to_torch` need it.
        """
        return cls.from_numpy(torch_to_numpy(tensor))

    def to_torch(self, pad_value: int = 0) -> Any:
        """The tensor as a ``torch.Tensor`` (sparse densified with `pad_value`).

        Raises:
            ImportError: torch is not installed.
        """
        import torch  # type: ignore[import-not-found]  # optional dependency

        return torch.from_numpy(self.to_numpy(pad_value))

    def to_numpy(self, pad_value: int = 0) -> npt.NDArray[Any]:
        """The tensor as an array of its dtype; sparse CSR is densified with `pad_value`.

        Raises:
            ValidationError: `pad_value` is not an int, or the sparse layout is not 2-D.
        """
        if isinstance(pad_value, bool) or not isinstance(pad_value, int):
            raise ValidationError("pad_value must be an int")
        np_dtype = np.float32 if self.dtype == "float32" else np.int64
        values = np.asarray(self.data, dtype=np_dtype)
        if self.sparse_crow_indices is None or self.sparse_col_indices is None:
            return values.reshape(self.shape) if self.shape is not None else values
        if self.shape is None or len(self.shape) != 2:
            raise ValidationError("sparse TensorData needs a 2-D shape")
        dense = np.full(self.shape, pad_value, dtype=np_dtype)
        crow = self.sparse_crow_indices
        for row in range(self.shape[0]):
            cols = self.sparse_col_indices[crow[row] : crow[row + 1]]
            dense[row, cols] = values[crow[row] : crow[row + 1]]
        return dense

    def tolist(self, pad_value: int = 0) -> list[Any]:
        """The tensor as (nested) Python lists, sparse densified with `pad_value`."""
        result: list[Any] = self.to_numpy(pad_value).tolist()
        return result
