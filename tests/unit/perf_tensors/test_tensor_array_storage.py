"""TensorData keeps numpy arrays: views, flat storage, value equality, JSON as before."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.errors import ValidationError
from tinkex.types import Datum, ModelInput, TensorData


def test_from_numpy_views_a_contiguous_array_of_the_wire_dtype() -> None:
    """float32 / int64 C-contiguous input is kept as it is: no copy, no Python list."""
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    tensor = TensorData.from_numpy(weights)
    assert isinstance(tensor.data, np.ndarray)
    assert np.shares_memory(tensor.data, weights)
    assert (tensor.dtype, tensor.shape, tensor.size, tensor.nbytes) == ("float32", [2, 3], 6, 24)
    weights[0, 0] = 9.0  # documented: the tensor views the caller's array
    assert tensor.to_numpy()[0, 0] == 9.0
    assert np.shares_memory(tensor.to_numpy(), weights)


def test_from_numpy_copies_once_when_it_must_convert() -> None:
    """Other dtypes and strided arrays are cast into a new contiguous array."""
    wide = np.array([1.25, 2.5, 3.75], dtype=np.float64)
    tensor = TensorData.from_numpy(wide)
    assert tensor.values.dtype == np.float32
    assert not np.shares_memory(tensor.data, wide)
    strided = np.arange(10, dtype=np.int64)[::2]
    ints = TensorData.from_numpy(strided)
    assert ints.data.flags.c_contiguous
    assert ints.tolist() == [0, 2, 4, 6, 8]


def test_arrays_given_directly_are_stored_flat() -> None:
    """A hand-built tensor holding a 2-D or strided array stores it flat and contiguous."""
    grid = np.arange(6, dtype=np.int64).reshape(2, 3)
    tensor = TensorData(data=grid, dtype="int64", shape=[2, 3])
    assert tensor.data.ndim == 1
    assert tensor.to_numpy().tolist() == grid.tolist()
    column = TensorData(data=grid[:, 1], dtype="int64")
    assert column.data.flags.c_contiguous
    assert column.tolist() == [1, 4]


def test_lists_stay_lists_and_other_containers_are_refused() -> None:
    """JSON-style lists are stored as given (a tuple becomes a list); other values fail."""
    assert TensorData(data=[1, 2], dtype="int64").data == [1, 2]
    assert TensorData(data=(1.5, 2.5), dtype="float32").data == [1.5, 2.5]
    with pytest.raises(ValidationError, match="list or a numpy array"):
        TensorData(data="1,2", dtype="int64")


def test_values_converts_lists_on_demand_and_reports_non_numbers() -> None:
    """`values` is the wire-dtype array for list storage too; junk is a ValidationError."""
    assert TensorData(data=[1, 2], dtype="float32").values.dtype == np.float32
    with pytest.raises(ValidationError, match="not numbers"):
        _ = TensorData(data=[[1], [2, 3]], dtype="int64").values


def test_equality_compares_values_whatever_the_storage() -> None:
    """Array vs list, array vs array: equal by value, never an ambiguous-truth error."""
    values = np.array([0.5, np.nan, 2.0], dtype=np.float32)
    as_array = TensorData.from_numpy(values)
    as_list = TensorData(data=values.tolist(), dtype="float32", shape=[3])
    assert as_array == as_list
    assert as_array == TensorData.from_numpy(values.copy())
    assert as_array != TensorData.from_numpy(values * 2)
    assert as_array != TensorData.from_numpy(values.reshape(1, 3))
    assert as_array != TensorData.from_numpy(values[:2])
    assert as_array != TensorData(data=[0.5, 1.0, 2.0], dtype="float32", shape=[3])
    assert as_array != "not a tensor"
    with pytest.raises(TypeError):
        hash(as_array)


def test_repr_names_the_array() -> None:
    """repr shows the stored array (numpy summarises large ones)."""
    tensor = TensorData.from_numpy(np.zeros(100_000, dtype=np.float32))
    text = repr(tensor)
    assert "array(" in text
    assert len(text) < 400


def test_json_of_an_array_tensor_matches_the_list_form_exactly() -> None:
    """float32 values serialise as the exact doubles the list form held; ints as ints."""
    codec = MsgspecJsonCodec()
    floats = np.array([0.1, 1e-8, 3.3, -2.5], dtype=np.float32)
    ints = np.array([3, -7, 2**40], dtype=np.int64)
    for array in (floats, ints):
        from_array = TensorData.from_numpy(array.reshape(2, -1) if array.size == 4 else array)
        from_list = TensorData(
            data=array.tolist(), dtype=from_array.dtype, shape=list(from_array.shape or [])
        )
        assert codec.encode(from_array) == codec.encode(from_list)
        decoded = codec.decode(codec.encode(from_array), TensorData)
        assert isinstance(decoded.data, list)
        assert decoded == from_array
    body = json.loads(codec.encode(TensorData.from_numpy(floats)))
    assert body == {"data": [float(v) for v in floats], "dtype": "float32", "shape": [4]}


def test_datum_keeps_the_callers_arrays() -> None:
    """Datum normalisation hands float32 / int64 inputs to TensorData without copying."""
    weights = np.ones(4, dtype=np.float32)
    targets = np.arange(4, dtype=np.int64)
    datum = Datum(
        model_input=ModelInput.from_ints([1, 2, 3, 4]),
        loss_fn_inputs={"weights": weights, "target_tokens": targets},
    )
    assert np.shares_memory(datum.loss_fn_inputs["weights"].data, weights)
    assert np.shares_memory(datum.loss_fn_inputs["target_tokens"].data, targets)
    same = Datum(
        model_input=ModelInput.from_ints([1, 2, 3, 4]),
        loss_fn_inputs={"weights": [1.0] * 4, "target_tokens": [0, 1, 2, 3]},
    )
    assert datum == same


def test_sparse_tensors_keep_array_values_and_densify() -> None:
    """CSR packing stores the entries as an array; densifying restores the input."""
    dense = np.zeros((4, 8), dtype=np.int64)
    dense[1, 2], dense[3, 7] = 5, 6
    packed = TensorData.from_numpy_sparse(dense, pad_value=0)
    assert isinstance(packed.data, np.ndarray)
    assert packed.size == 2
    np.testing.assert_array_equal(packed.to_numpy(), dense)
    broken = TensorData(
        data=[1, 2],
        dtype="int64",
        shape=[2, 2],
        sparse_crow_indices=[0, 1, 2],
        sparse_col_indices=[0, 5],
    )
    with pytest.raises(ValidationError, match="sparse CSR"):
        broken.to_numpy()
