"""Combining the results of a chunked forward / forward_backward into one result.

Every metric key is ``name:reduction``; the reduction says how per-chunk values fold:

| reduction | result                                                        |
|-----------|---------------------------------------------------------------|
| mean      | mean weighted by the number of datums in each chunk           |
| sum       | sum                                                           |
| min, max  | minimum, maximum                                              |
| slack     | max - weighted mean                                           |
| hash2     | sum of the values cast to int and masked to uint64, mod 2^64   |
| unique    | first value under the key, the others as key_1, key_2, …      |

Keys come from the first chunk; a key missing from any chunk is dropped; an unknown reduction is
dropped (logged at debug: the server may add reductions before the SDK knows them). This is
applied even to a single chunk, as the official client does.

Deviation, on purpose: a key that does not split into exactly ``name:reduction`` makes the
official client crash with an unpacking error. Here it raises `ValidationError` naming the key,
so a malformed server metric is loud and attributable rather than a bare ``ValueError``.

Note: the official 0.38 code numbers ``unique`` extras from 1 (``key_1`` for the second chunk);
that observable behaviour is what this module reproduces.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeVar

from tinkex.errors import ValidationError

__all__ = ["REDUCTIONS", "combine_metrics", "concat_outputs", "split_metric_key"]

_log = logging.getLogger(__name__)

T = TypeVar("T")

_UINT64_MASK: Final = 0xFFFF_FFFF_FFFF_FFFF


def _weighted_mean(values: Sequence[float], weights: Sequence[int]) -> float:
    total = sum(weights)
    if total == 0:
        # Every chunk reported zero datums; weighting is meaningless, so fall back to the
        # plain mean instead of dividing by zero.
        return sum(values) / len(values)
    return sum(v * w for v, w in zip(values, weights, strict=True)) / total


def _sum(values: Sequence[float], weights: Sequence[int]) -> float:
    return float(sum(values))


def _min(values: Sequence[float], weights: Sequence[int]) -> float:
    return float(min(values))


def _max(values: Sequence[float], weights: Sequence[int]) -> float:
    return float(max(values))


def _slack(values: Sequence[float], weights: Sequence[int]) -> float:
    return float(max(values)) - _weighted_mean(values, weights)


def _hash2(values: Sequence[float], weights: Sequence[int]) -> float:
    # An exact integer (may exceed 2**53); int is a valid float for the metrics mapping.
    return sum(int(v) & _UINT64_MASK for v in values) & _UINT64_MASK


_Reduce = Callable[[Sequence[float], Sequence[int]], float]

REDUCTIONS: Final[Mapping[str, _Reduce | None]] = {
    "mean": _weighted_mean,
    "sum": _sum,
    "min": _min,
    "max": _max,
    "slack": _slack,
    "hash2": _hash2,
    "unique": None,  # expands into several keys instead of folding; see combine_metrics
}
"""Known reductions (``unique`` maps to None because it does not fold)."""


def split_metric_key(key: str) -> tuple[str, str]:
    """Split ``name:reduction``.

    Args:
        key: A metric key.

    Returns:
        The name and the reduction.

    Raises:
        ValidationError: The key does not contain exactly one colon.
    """
    parts = key.split(":")
    if len(parts) != 2:
        raise ValidationError(
            f"metric key {key!r} must look like 'name:reduction' with exactly one colon "
            "(the server sent a malformed metric)",
            field=f"metrics[{key!r}]",
        )
    return parts[0], parts[1]


def combine_metrics(chunks: Sequence[tuple[Mapping[str, float], int]]) -> dict[str, float]:
    """Fold the metrics of several chunks into one mapping.

    Args:
        chunks: ``(metrics, number_of_datums)`` per chunk, in chunk order.

    Returns:
        The combined metrics (empty when there are no chunks).

    Raises:
        ValidationError: A key of the first chunk is not ``name:reduction``, or a datum count
            is negative.
    """
    if not chunks:
        return {}
    weights = [count for _, count in chunks]
    if any(count < 0 for count in weights):
        raise ValidationError(f"datum counts must be >= 0, got {weights}", field="chunks")
    combined: dict[str, float] = {}
    for key in chunks[0][0]:
        name, reduction = split_metric_key(key)
        if reduction not in REDUCTIONS:
            _log.debug("dropping metric %r: unknown reduction %r", name, reduction)
            continue
        if not all(key in metrics for metrics, _ in chunks):
            continue
        values = [metrics[key] for metrics, _ in chunks]
        reduce = REDUCTIONS[reduction]
        if reduce is None:
            combined[key] = float(values[0])
            combined.update({f"{key}_{i}": float(v) for i, v in enumerate(values[1:], start=1)})
        else:
            combined[key] = reduce(values, weights)
    return combined


def concat_outputs(chunks: Sequence[Sequence[T]]) -> list[T]:
    """Concatenate per-chunk ``loss_fn_outputs`` in chunk order.

    Args:
        chunks: The per-datum outputs of each chunk.

    Returns:
        One list with every datum's output, in request order.
    """
    return [output for chunk in chunks for output in chunk]
