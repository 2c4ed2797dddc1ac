"""Hand-written behaviour mixed into generated types: ModelInput, chunk lengths, TensorData."""

from __future__ import annotations

import numpy as np
import pytest

from tinkex.domain.types import (
    DmelChunk,
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    TensorData,
)
from tinkex.errors import ValidationError


def test_model_input_round_trips_tokens() -> None:
    """from_ints/to_ints round-trip and length counts tokens."""
    model_input = ModelInput.from_ints([5, 6, 7])
    assert model_input.to_ints() == [5, 6, 7]
    assert model_input.length == 3
    assert ModelInput.empty().length == 0
    assert ModelInput.empty().to_ints() == []


def test_append_and_append_int_return_new_objects() -> None:
    """append adds a chunk; append_int extends the last text chunk; the original is unchanged."""
    base = ModelInput.from_ints([1])
    grown = base.append_int(2)
    assert grown.chunks == [EncodedTextChunk(tokens=[1, 2])]
    assert base.to_ints() == [1]
    image = ImageChunk(data=b"x", format="png", expected_tokens=4)
    with_image = grown.append(image).append_int(9)
    assert with_image.chunks[1] is image
    assert with_image.chunks[2] == EncodedTextChunk(tokens=[9])
    assert with_image.length == 2 + 4 + 1


def test_to_ints_rejects_non_text_chunks() -> None:
    """to_ints raises ValidationError when an image is present."""
    pointer = ImageAssetPointerChunk(format="jpeg", location="s3://x", expected_tokens=2)
    with pytest.raises(ValidationError, match="ImageAssetPointerChunk"):
        ModelInput(chunks=[pointer]).to_ints()


def test_image_length_needs_expected_tokens() -> None:
    """An image without expected_tokens has no length."""
    with pytest.raises(ValidationError, match="expected_tokens"):
        _ = ImageChunk(data=b"x", format="png").length


def test_dmel_length_reads_the_first_dimension() -> None:
    """Dmel length is dim 0 of the TensorContainer header, with or without the marker byte."""
    assert DmelChunk(dmel=bytes([254, 3, 2, 200, 1, 8]) + b"payload").length == 200
    assert DmelChunk(dmel=bytes([3, 1, 5])).length == 5
    with pytest.raises(ValidationError):
        _ = DmelChunk(dmel=bytes([3])).length


def test_tensor_from_numpy_normalises_dtypes() -> None:
    """Float kinds become float32, signed ints int64; shape is recorded."""
    floats = TensorData.from_numpy(np.array([[0.5, 1.5]], dtype=np.float64))
    assert (floats.dtype, floats.shape, floats.tolist()) == ("float32", [1, 2], [[0.5, 1.5]])
    assert floats.values.dtype == np.float32
    ints = TensorData.from_numpy(np.array([1, 2, 3], dtype=np.int16))
    assert (ints.dtype, ints.tolist()) == ("int64", [1, 2, 3])
    assert ints.to_numpy().dtype == np.int64


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.complex64])
def test_tensor_from_numpy_rejects_other_kinds(dtype: type[np.generic]) -> None:
    """Bool, unsigned and complex arrays are rejected."""
    with pytest.raises(ValidationError):
        TensorData.from_numpy(np.zeros(2, dtype=dtype))


def test_tensor_to_numpy_reshapes_and_densifies() -> None:
    """Dense data is reshaped; sparse CSR is densified with the pad value."""
    dense = TensorData(data=[1.0, 2.0, 3.0, 4.0], dtype="float32", shape=[2, 2])
    assert dense.to_numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    sparse = TensorData(
        data=[7, 8],
        dtype="int64",
        shape=[2, 3],
        sparse_crow_indices=[0, 1, 2],
        sparse_col_indices=[2, 0],
    )
    assert sparse.tolist(pad_value=-1) == [[-1, -1, 7], [8, -1, -1]]
    with pytest.raises(ValidationError):
        sparse.to_numpy(pad_value=True)
