"""`EncodedTextChunk` holds its ids as an int32 array or a list; `ModelInput` helpers keep that."""

from __future__ import annotations

import numpy as np
import pytest

from tinkex.domain.types import EncodedTextChunk, ImageChunk, ModelInput
from tinkex.errors import ValidationError


def test_int64_array_is_stored_as_contiguous_int32() -> None:
    chunk = EncodedTextChunk(tokens=np.arange(10, dtype=np.int64)[::2])
    assert chunk.tokens.dtype == np.int32
    assert chunk.tokens.flags.c_contiguous
    assert chunk.tokens.tolist() == [0, 2, 4, 6, 8]
    assert chunk.length == 5


def test_contiguous_int32_array_is_kept_without_copy() -> None:
    ids = np.array([5, 6, 7], dtype=np.int32)
    chunk = EncodedTextChunk(tokens=ids)
    assert chunk.tokens is ids
    assert chunk.tokens_np is ids


def test_ids_beyond_int32_keep_the_int64_array() -> None:
    chunk = EncodedTextChunk(tokens=np.array([1, 2**40], dtype=np.int64))
    assert chunk.tokens.dtype == np.int64
    assert chunk.tokens.tolist() == [1, 2**40]


def test_unsigned_array_that_fits_is_narrowed() -> None:
    chunk = EncodedTextChunk(tokens=np.array([3, 4], dtype=np.uint16))
    assert chunk.tokens.dtype == np.int32
    assert chunk.tokens.tolist() == [3, 4]


@pytest.mark.parametrize(
    "tokens",
    [np.array([1.0, 2.0]), np.array([True]), np.zeros((2, 2), dtype=np.int64), range(3), "12"],
)
def test_tokens_that_are_not_ints_are_refused(tokens: object) -> None:
    with pytest.raises(ValidationError, match="tokens"):
        EncodedTextChunk(tokens=tokens)


def test_list_stays_list_and_tuple_becomes_list() -> None:
    ids = [1, 2, 3]
    assert EncodedTextChunk(tokens=ids).tokens is ids
    from_tuple = EncodedTextChunk(tokens=(4, 5))
    assert from_tuple.tokens == [4, 5]
    assert isinstance(from_tuple.tokens, list)


def test_tokens_np_converts_a_list() -> None:
    assert EncodedTextChunk(tokens=[1, 2, 3]).tokens_np.dtype == np.int32
    assert EncodedTextChunk(tokens=[1, 2**40]).tokens_np.tolist() == [1, 2**40]
    assert EncodedTextChunk(tokens=[]).tokens_np.shape == (0,)
    with pytest.raises(ValidationError, match="tokens"):
        _ = EncodedTextChunk(tokens=[1, 2.5]).tokens_np


def test_equality_is_by_value_across_storage() -> None:
    as_list = EncodedTextChunk(tokens=[1, 2, 3])
    as_array = EncodedTextChunk(tokens=np.array([1, 2, 3]))
    assert as_list == as_array
    assert as_array == EncodedTextChunk(tokens=np.array([1, 2, 3], dtype=np.int32))
    assert as_array != EncodedTextChunk(tokens=[1, 2, 4])
    assert as_array != EncodedTextChunk(tokens=[1, 2])
    assert as_array != EncodedTextChunk(tokens=["a", "b", "c"])
    with pytest.raises(TypeError):
        hash(as_array)


def test_from_ints_keeps_arrays_and_copies_other_iterables() -> None:
    ids = [1, 2, 3]
    from_list = ModelInput.from_ints(ids)
    ids.append(4)
    assert from_list.chunks[0] == EncodedTextChunk(tokens=[1, 2, 3])
    assert isinstance(from_list.chunks[0], EncodedTextChunk)
    assert isinstance(from_list.chunks[0].tokens, list)
    from_gen = ModelInput.from_ints(i for i in range(3))
    assert from_gen.to_ints() == [0, 1, 2]
    array = np.array([7, 8], dtype=np.int32)
    from_array = ModelInput.from_ints(array)
    assert isinstance(from_array.chunks[0], EncodedTextChunk)
    assert from_array.chunks[0].tokens is array
    assert from_array.length == 2


def test_to_ints_returns_python_ints_for_arrays() -> None:
    model_input = ModelInput.from_ints(np.array([1, 2], dtype=np.int64)).append(
        EncodedTextChunk(tokens=[3])
    )
    ints = model_input.to_ints()
    assert ints == [1, 2, 3]
    assert all(type(i) is int for i in ints)


def test_append_int_extends_an_array_chunk() -> None:
    grown = ModelInput.from_ints(np.array([1, 2], dtype=np.int32)).append_int(3)
    assert len(grown.chunks) == 1
    last = grown.chunks[0]
    assert isinstance(last, EncodedTextChunk)
    assert last.tokens.dtype == np.int32
    assert last.tokens.tolist() == [1, 2, 3]
    wide = grown.append_int(2**40)
    assert isinstance(wide.chunks[0], EncodedTextChunk)
    assert wide.chunks[0].tokens.dtype == np.int64
    assert wide.to_ints() == [1, 2, 3, 2**40]
    with pytest.raises(ValidationError):
        grown.append_int(2**70)


def test_append_int_extends_a_list_chunk_and_starts_one_after_an_image() -> None:
    assert ModelInput.from_ints([1]).append_int(2).to_ints() == [1, 2]
    image = ImageChunk(data=b"x", format="png", expected_tokens=1)
    grown = ModelInput(chunks=[image]).append_int(9)
    assert grown.chunks[1] == EncodedTextChunk(tokens=[9])
