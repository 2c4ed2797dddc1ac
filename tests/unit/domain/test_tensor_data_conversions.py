"""TensorData conversions: sparse CSR packing and torch tensors (torch itself is optional)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinkex.types import TensorData


class FakeTorchTensor:
    """Just the torch surface `TensorData.from_torch` uses: detach, cpu, dtype, numpy."""

    def __init__(self, values: np.ndarray[Any, Any]) -> None:
        self._values = values
        self.dtype = f"torch.{values.dtype}"

    def detach(self) -> FakeTorchTensor:
        return self

    def cpu(self) -> FakeTorchTensor:
        return self

    def float(self) -> FakeTorchTensor:
        return FakeTorchTensor(self._values.astype(np.float32))

    def numpy(self) -> np.ndarray[Any, Any]:
        return self._values


def test_sparse_packing_round_trips_and_saves_space() -> None:
    """A mostly-padding 2-D array is stored as CSR and densifies back to itself."""
    dense = np.zeros((8, 16), dtype=np.int64)
    dense[2, 3], dense[7, 15] = 9, 4
    packed = TensorData.from_numpy_sparse(dense)
    assert packed.sparse_crow_indices is not None
    assert len(packed.data) == 2
    np.testing.assert_array_equal(packed.to_numpy(), dense)


def test_sparse_packing_keeps_dense_when_csr_is_not_smaller() -> None:
    """A full array stays dense: CSR would be larger."""
    full = np.arange(1, 7, dtype=np.float64).reshape(2, 3)
    packed = TensorData.from_numpy_sparse(full)
    assert packed.sparse_crow_indices is None
    assert packed.dtype == "float32"
    np.testing.assert_array_equal(packed.to_numpy(), full.astype(np.float32))


def test_from_torch_converts_like_numpy() -> None:
    """A torch tensor becomes the same TensorData as its numpy values."""
    values = np.array([[1.5, 2.5], [3.5, 4.5]], dtype=np.float64)
    assert TensorData.from_torch(FakeTorchTensor(values)) == TensorData.from_numpy(values)


def test_to_torch_names_the_missing_dependency() -> None:
    """Without torch installed, to_torch says torch is what is missing."""
    try:
        import torch  # type: ignore[import-not-found]  # noqa: F401  # optional
    except ImportError:
        with pytest.raises(ImportError, match="torch"):
            TensorData.from_numpy(np.ones(3)).to_torch()
    else:  # pragma: no cover - only where torch is installed
        assert TensorData.from_numpy(np.ones(3)).to_torch().shape == (3,)
