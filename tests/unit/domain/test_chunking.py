"""Tests for greedy chunking and byte estimates."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinkex.domain.chunking import (
    chunk_by_budget,
    estimate_datum_bytes,
    estimate_prompt_bytes,
    estimate_tensor_bytes,
)
from tinkex.errors import ValidationError


def _identity(size: int) -> int:
    return size


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=120), max_size=60),
    max_items=st.integers(min_value=1, max_value=8),
    max_bytes=st.integers(min_value=1, max_value=200),
)
def test_chunks_concatenate_to_the_input_and_respect_limits(
    sizes: list[int], max_items: int, max_bytes: int
) -> None:
    chunks = chunk_by_budget(sizes, estimate=_identity, max_items=max_items, max_bytes=max_bytes)
    assert [size for chunk in chunks for size in chunk] == sizes
    for chunk in chunks:
        assert 1 <= len(chunk) <= max_items
        assert sum(chunk) <= max_bytes or len(chunk) == 1


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=60),
    max_items=st.integers(min_value=1, max_value=8),
    max_bytes=st.integers(min_value=1, max_value=200),
)
def test_chunks_are_greedy(sizes: list[int], max_items: int, max_bytes: int) -> None:
    chunks = chunk_by_budget(sizes, estimate=_identity, max_items=max_items, max_bytes=max_bytes)
    # Each chunk was closed only because the next item did not fit.
    for chunk, following in itertools.pairwise(chunks):
        assert len(chunk) == max_items or sum(chunk) + following[0] > max_bytes


def test_oversize_item_travels_alone() -> None:
    assert chunk_by_budget([1, 50, 1, 1], estimate=_identity, max_bytes=10) == [[1], [50], [1, 1]]


def test_item_limit_splits_even_when_bytes_fit() -> None:
    chunks = chunk_by_budget(list(range(2050)), estimate=lambda _: 1)
    assert [len(c) for c in chunks] == [1024, 1024, 2]


def test_byte_limit_defaults_to_five_million() -> None:
    chunks = chunk_by_budget([2_000_000] * 3, estimate=_identity)
    assert [len(c) for c in chunks] == [2, 1]


def test_empty_input_gives_no_chunks() -> None:
    assert chunk_by_budget([], estimate=_identity) == []


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"max_items": 0}, "max_items"), ({"max_bytes": 0}, "max_bytes")]
)
def test_limits_below_one_are_rejected(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        chunk_by_budget([1], estimate=_identity, **kwargs)
    assert info.value.field == field


def test_negative_estimates_name_the_datum() -> None:
    with pytest.raises(ValidationError) as info:
        chunk_by_budget([1, -1], estimate=_identity)
    assert info.value.field == "data[1]"


def test_estimates_follow_the_wire_tables() -> None:
    # 3 tokens as int32 + a 4-element float32 tensor + a sparse int64 tensor (nnz 2, 3 rows).
    tensors = estimate_tensor_bytes(4, 4) + estimate_tensor_bytes(2, 8, crow_len=4, col_len=2)
    assert tensors == 16 + 16 + 48
    assert estimate_datum_bytes(3, 0, tensors) == 12 + 80
    assert estimate_datum_bytes(0, image_bytes=1000) == 1000
    assert estimate_prompt_bytes(100, image_bytes=7) == 1007
