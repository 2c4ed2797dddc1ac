"""`check_tensor`: what a TensorData must be before a request carries it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinkex.domain.limits import MAX_TOKEN_ID
from tinkex.domain.tensor_checks import check_tensor
from tinkex.domain.types import TensorData
from tinkex.errors import ValidationError


def _junk(value: object) -> Any:
    """A hostile value, typed Any so the construction type-checks."""
    return value


@pytest.mark.parametrize(
    ("tensor", "rows"),
    [
        (TensorData(data=[1.0, 2.0], dtype="float32"), 2),
        (TensorData(data=np.zeros(6, np.float32), dtype="float32", shape=[2, 3]), 2),
        (TensorData(data=[], dtype="int64", shape=[0]), 0),
        (TensorData(data=[5], dtype="int64", shape=[]), None),
        (TensorData.from_numpy_sparse(np.eye(8, dtype=np.int64)), 8),
    ],
)
def test_good_tensors_report_their_rows(tensor: TensorData, rows: int | None) -> None:
    assert check_tensor(tensor, "t") == rows


@pytest.mark.parametrize(
    ("tensor", "fragment"),
    [
        ({"data": [1]}, "expected TensorData"),
        (TensorData(data=[1], dtype=["int64"]), "dtype"),  # type: ignore[arg-type]
        (TensorData(data=[[1, 2], [3]], dtype="int64"), "not numbers"),
        (TensorData(data=[[1, 2], [3, 4]], dtype="int64"), "flat"),
        (TensorData(data=[True, False], dtype="int64"), "not numbers"),
        (TensorData(data=[1.0, float("inf")], dtype="float32"), "NaN or infinite"),
        (TensorData(data=[1e300], dtype="float32"), "float32"),
        (TensorData(data=[1e19], dtype="int64"), "int64"),
        (TensorData(data=np.array([2**64 - 1], np.uint64), dtype="int64"), "int64"),
        (TensorData(data=[2**70], dtype="int64"), "not numbers"),
        (TensorData(data=[1, 2], dtype="int64", shape=["2"]), "shape"),  # type: ignore[list-item]
        (TensorData(data=[1, 2], dtype="int64", shape=[-2, -1]), "shape"),
        (TensorData(data=[1, 2], dtype="int64", shape=[3]), "needs 3 values"),
        (
            TensorData(data=[1], dtype="int64", shape=[2, 2], sparse_crow_indices=[0, 1]),
            "crow and col",
        ),
        (
            TensorData(
                data=[1],
                dtype="int64",
                shape=[2, 2],
                sparse_crow_indices=[],
                sparse_col_indices=[0],
            ),
            "sparse CSR",
        ),
        (
            TensorData(
                data=[1],
                dtype="int64",
                shape=[2, 2],
                sparse_crow_indices=[0, 1, 1],
                sparse_col_indices=[7],
            ),
            "sparse CSR",
        ),
        (
            TensorData(
                data=[1],
                dtype="int64",
                shape=[2, 2],
                sparse_crow_indices=_junk(["a", 1, 1]),
                sparse_col_indices=[0],
            ),
            "flat lists of ints",
        ),
    ],
)
def test_bad_tensors_are_refused_with_the_field(tensor: Any, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as raised:
        check_tensor(tensor, "data[0].loss_fn_inputs['x']")
    assert raised.value.field == "data[0].loss_fn_inputs['x']"


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (np.array([0, MAX_TOKEN_ID]), True),
        (np.array([0, MAX_TOKEN_ID + 1]), False),
        (np.array([-1, 5]), False),
        ([3.0, 4.0], True),
        ([3.0, -4.0], False),
    ],
)
def test_token_id_tensors_stay_in_the_int32_range(data: Any, ok: bool) -> None:
    tensor = TensorData(data=data, dtype="int64")
    if ok:
        check_tensor(tensor, "t", token_ids=True)
    else:
        with pytest.raises(ValidationError, match="token ids"):
            check_tensor(tensor, "t", token_ids=True)


def test_token_ids_may_allow_minus_one_as_skip() -> None:
    tensor = TensorData(data=[-1, 3], dtype="int64", shape=[2, 1])
    assert check_tensor(tensor, "t", token_ids=True, min_id=-1) == 2
    with pytest.raises(ValidationError):
        check_tensor(TensorData(data=[-2], dtype="int64"), "t", token_ids=True, min_id=-1)


def test_token_ids_must_be_int64() -> None:
    with pytest.raises(ValidationError, match="int64"):
        check_tensor(TensorData(data=[1.0], dtype="float32"), "t", token_ids=True)
