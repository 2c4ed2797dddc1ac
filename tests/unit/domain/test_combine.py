"""Tests for the reduction of chunked forward/backward metrics."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from tinkex.domain.combine import combine_metrics, concat_outputs, split_metric_key
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping


def _chunks(*pairs: tuple[Mapping[str, float], int]) -> list[tuple[Mapping[str, float], int]]:
    return list(pairs)


@pytest.mark.parametrize(
    ("key", "values", "counts", "expected"),
    [
        ("loss:sum", [1.5, 1.5], [1, 1], {"loss:sum": 3.0}),
        ("acc:mean", [1.0, 4.0], [1, 2], {"acc:mean": 3.0}),
        ("acc:mean", [1.0, 3.0], [0, 0], {"acc:mean": 2.0}),
        ("t:min", [2.0, -1.0, 5.0], [1, 1, 1], {"t:min": -1.0}),
        ("t:max", [2.0, -1.0, 5.0], [1, 1, 1], {"t:max": 5.0}),
        ("t:slack", [1.0, 4.0], [1, 2], {"t:slack": 1.0}),
        ("h:hash2", [-1.0, 3.0, 3.0], [1, 2, 0], {"h:hash2": 5.0}),
        (
            "u:unique",
            [1.0, 2.0, 3.0],
            [1, 1, 1],
            {"u:unique": 1.0, "u:unique_1": 2.0, "u:unique_2": 3.0},
        ),
        ("x:sum", [2.5], [4], {"x:sum": 2.5}),
    ],
)
def test_each_reduction_folds_chunk_values(
    key: str, values: list[float], counts: list[int], expected: dict[str, float]
) -> None:
    chunks = _chunks(*(({key: v}, n) for v, n in zip(values, counts, strict=True)))
    assert combine_metrics(chunks) == pytest.approx(expected)


def test_hash2_wraps_modulo_two_to_the_64() -> None:
    big = float(2**63)
    result = combine_metrics(_chunks(({"h:hash2": big}, 1), ({"h:hash2": big}, 1)))
    assert result["h:hash2"] == 0


def test_keys_come_from_the_first_chunk_and_partial_keys_are_dropped() -> None:
    result = combine_metrics(
        _chunks(
            ({"a:sum": 1.0, "b:sum": 2.0}, 1),
            ({"a:sum": 3.0, "c:sum": 9.0}, 1),
        )
    )
    assert result == {"a:sum": 4.0}


def test_unknown_reductions_are_dropped_with_a_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="tinkex.domain.combine"):
        result = combine_metrics(
            _chunks(
                ({"a:median": 1.0, "b:max": 2.0}, 1),
            )
        )
    assert result == {"b:max": 2.0}
    assert "median" in caplog.text


@pytest.mark.parametrize("key", ["loss", "a:b:sum", ""])
def test_keys_without_exactly_one_colon_raise_naming_the_key(key: str) -> None:
    with pytest.raises(ValidationError) as info:
        combine_metrics(
            _chunks(
                ({key: 1.0}, 1),
            )
        )
    assert info.value.field == f"metrics[{key!r}]"


def test_split_metric_key_returns_name_and_reduction() -> None:
    assert split_metric_key("e_max_violation:mean") == ("e_max_violation", "mean")


def test_no_chunks_give_no_metrics() -> None:
    assert combine_metrics([]) == {}


def test_negative_datum_counts_are_rejected() -> None:
    with pytest.raises(ValidationError):
        combine_metrics(
            _chunks(
                ({"a:mean": 1.0}, -1),
            )
        )


def test_concat_outputs_keeps_chunk_order() -> None:
    assert concat_outputs([[1, 2], [], [3]]) == [1, 2, 3]
