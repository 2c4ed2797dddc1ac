"""Tests for loss_fn_inputs conversion and sparse CSR packing."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinkex.domain.tensors import (
    SparseCsr,
    as_loss_input_array,
    from_sparse_csr,
    is_torch_tensor,
    to_sparse_csr,
    wire_dtype,
)
from tinkex.errors import ValidationError


class _FakeDtype:
    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return f"torch.{self.name}"


class FakeTorchTensor:
    """A working stand-in for the slice of torch.Tensor the conversion uses."""

    __module__ = "torch"

    def __init__(self, values: npt.NDArray[Any], dtype: str) -> None:
        self.values = values
        self.dtype = _FakeDtype(dtype)
        self.detached = False

    def detach(self) -> FakeTorchTensor:
        copy = FakeTorchTensor(self.values, self.dtype.name)
        copy.detached = True
        return copy

    def cpu(self) -> FakeTorchTensor:
        return self

    def float(self) -> FakeTorchTensor:
        widened = FakeTorchTensor(self.values.astype(np.float32), "float32")
        widened.detached = self.detached
        return widened

    def numpy(self) -> npt.NDArray[Any]:
        if self.dtype.name == "bfloat16":
            raise TypeError("numpy has no bfloat16")
        assert self.detached, "numpy() on a tensor that requires grad"
        return self.values


@pytest.mark.parametrize(
    ("key", "value", "dtype", "expected"),
    [
        ("target_tokens", [1, 2, 3], np.int64, [1, 2, 3]),
        ("target_tokens", [1.0, 2.0], np.int64, [1, 2]),
        ("weights", [1, 0, 1], np.float32, [1.0, 0.0, 1.0]),
        ("advantages", (0.5, -0.5), np.float32, [0.5, -0.5]),
        ("logprobs", [[0.1, 0.2], [0.3, 0.4]], np.float32, [[0.1, 0.2], [0.3, 0.4]]),
        ("sequence_ratio_mask", [], np.float32, []),
        ("mask", np.array([1.0, 0.0]), np.float32, [1.0, 0.0]),
        ("mask", np.array([1, 0], dtype=np.int8), np.int64, [1, 0]),
        ("weights", np.array([1, 2], dtype=np.int32), np.float32, [1.0, 2.0]),
        ("target_tokens", np.array([3.0, 4.0], dtype=np.float64), np.int64, [3, 4]),
        ("logprobs", np.array([-0.5], dtype=np.float16), np.float32, [-0.5]),
    ],
)
def test_values_convert_to_the_wire_dtype(
    key: str, value: object, dtype: type, expected: list[Any]
) -> None:
    array = as_loss_input_array(key, value)
    assert array.dtype == dtype
    assert array.flags.c_contiguous
    np.testing.assert_allclose(array, np.asarray(expected, dtype=dtype), rtol=1e-6)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("mask", [1, 0], "pass a numpy array"),
        ("target_tokens", [[1, 2], [3]], "rectangular numeric array"),
        ("weights", [True, False], "bools must be cast"),
        ("weights", ["a"], "rectangular numeric array"),
        ("target_tokens", [1.0, float("nan")], "NaN"),
        ("target_tokens", np.array([1.0, np.inf]), "infinite"),
        ("target_tokens", [1.5], "whole numbers"),
        ("target_tokens", [2**64 - 1], "int64"),
        ("weights", [0.5, float("nan")], "NaN"),
        ("advantages", np.array([np.nan], dtype=np.float32), "NaN"),
        ("mask", np.array([True]), "dtype bool"),
        ("target_tokens", np.array([1], dtype=np.uint32), "dtype uint32"),
        ("weights", {"a": 1}, "got dict"),
    ],
)
def test_bad_values_name_the_key(key: str, value: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        as_loss_input_array(key, value)
    assert info.value.field == f"loss_fn_inputs[{key!r}]"
    assert fragment in str(info.value)


def test_nan_is_allowed_under_keys_with_user_defined_meaning() -> None:
    array = as_loss_input_array("ref_logprobs", np.array([np.nan, 1.0]))
    assert np.isnan(array[0])


def test_field_overrides_the_reported_name() -> None:
    with pytest.raises(ValidationError) as info:
        as_loss_input_array("mask", [1], field="data[3].loss_fn_inputs['mask']")
    assert info.value.field == "data[3].loss_fn_inputs['mask']"


def test_torch_tensors_are_detached_and_bfloat16_widened() -> None:
    bf16 = FakeTorchTensor(np.array([0.5, -2.0], dtype=np.float32), "bfloat16")
    assert is_torch_tensor(bf16)
    array = as_loss_input_array("weights", bf16)
    assert array.dtype == np.float32
    assert array.tolist() == [0.5, -2.0]
    tokens = as_loss_input_array("target_tokens", FakeTorchTensor(np.array([7], np.int32), "int32"))
    assert tokens.dtype == np.int64
    assert not is_torch_tensor(np.zeros(1))


def test_wire_dtype_names_the_array_dtype() -> None:
    assert wire_dtype(as_loss_input_array("target_tokens", [1])) == "int64"
    assert wire_dtype(as_loss_input_array("weights", [1])) == "float32"


def test_sparse_csr_packs_only_when_it_is_smaller() -> None:
    dense = np.zeros((4, 10), dtype=np.int64)
    dense[0, 3] = 5
    dense[2, 1] = 7
    dense[2, 9] = 8
    csr = to_sparse_csr(dense)
    assert csr is not None
    assert csr.crow_indices.tolist() == [0, 1, 1, 3, 3]
    assert csr.col_indices.tolist() == [3, 1, 9]
    assert csr.values.tolist() == [5, 7, 8]
    assert csr.shape == (4, 10)
    assert to_sparse_csr(np.ones((2, 2), dtype=np.int64)) is None
    assert to_sparse_csr(np.zeros(5, dtype=np.int64)) is None


def test_sparse_csr_honours_a_pad_value() -> None:
    dense = np.full((3, 8), -1, dtype=np.int64)
    dense[1, 2] = 0
    csr = to_sparse_csr(dense, pad_value=-1)
    assert csr is not None
    assert csr.values.tolist() == [0]
    np.testing.assert_array_equal(from_sparse_csr(csr, pad_value=-1), dense)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.int64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=8),
        elements=st.sampled_from([0, 0, 0, 0, 3, -2]),
    )
)
def test_sparse_round_trip_restores_the_dense_array(dense: npt.NDArray[np.int64]) -> None:
    csr = to_sparse_csr(dense)
    if csr is None:
        rows, cols = dense.shape
        assert (rows + 1) + 2 * int((dense != 0).sum()) >= rows * cols
        return
    np.testing.assert_array_equal(from_sparse_csr(csr), dense)


@pytest.mark.parametrize("pad", [True, 0.5, "0"])
def test_pad_value_must_be_an_integer(pad: Any) -> None:
    with pytest.raises(ValidationError) as info:
        to_sparse_csr(np.zeros((3, 3)), pad_value=pad)
    assert info.value.field == "pad_value"


def _csr(values: list[int], crow: list[int], col: list[int], shape: tuple[int, int]) -> SparseCsr:
    return SparseCsr(
        values=np.asarray(values, dtype=np.int64),
        crow_indices=np.asarray(crow, dtype=np.int64),
        col_indices=np.asarray(col, dtype=np.int64),
        shape=shape,
    )


@pytest.mark.parametrize(
    ("csr", "fragment"),
    [
        (_csr([1], [0, 1], [0], (2, 2)), "rows + 1"),
        (_csr([1], [1, 1, 1], [0], (2, 2)), "rows + 1"),
        (_csr([1, 2], [0, 1, 1], [0, 1], (2, 2)), "must agree"),
        (_csr([1], [0, 1, 1], [5], (2, 2)), "[0, 2)"),
        (_csr([1, 2], [0, 2, 2], [1, 1], (2, 2)), "strictly increasing"),
        (_csr([1, 2], [0, 2, 2], [1, 0], (2, 2)), "strictly increasing"),
    ],
)
def test_inconsistent_csr_is_rejected(csr: SparseCsr, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        from_sparse_csr(csr)
    assert fragment in str(info.value)


def test_csr_rows_may_restart_columns() -> None:
    dense = from_sparse_csr(_csr([1, 2], [0, 1, 2], [1, 0], (2, 2)))
    assert dense.tolist() == [[0, 1], [2, 0]]
