"""Greedy chunking of forward/backward data and the byte estimates it relies on.

Training data is packed in order: a new chunk starts when the current one is non-empty and
either already holds `max_items` datums or adding the next datum would exceed `max_bytes`. An
item bigger than the whole budget still travels, alone in its own chunk, so chunking never
fails and never produces an empty chunk.

Byte estimates approximate the encoded size without encoding:

| part of a training datum          | estimate                                          |
|-----------------------------------|---------------------------------------------------|
| text chunk                        | 4 bytes per token (packed int32)                  |
| image / dmel chunk                | length of the raw bytes                           |
| image asset pointer               | length of the location string                     |
| each loss_fn_inputs tensor        | values nbytes in the wire dtype (+ 8 per CSR index) |

Sampling prompts use a coarser, JSON-era estimate: 10 bytes per token plus raw image bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeVar

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "DEFAULT_MAX_CHUNK_BYTES",
    "DEFAULT_MAX_CHUNK_ITEMS",
    "chunk_by_budget",
    "estimate_datum_bytes",
    "estimate_prompt_bytes",
    "estimate_tensor_bytes",
]

T = TypeVar("T")

DEFAULT_MAX_CHUNK_ITEMS: Final = 1024
"""Server default ``fwdbwd_max_chunk_len``."""
DEFAULT_MAX_CHUNK_BYTES: Final = 5_000_000
"""Server default ``fwdbwd_max_chunk_bytes_count``."""

_TRAIN_BYTES_PER_TOKEN: Final = 4
_PROMPT_BYTES_PER_TOKEN: Final = 10
_INDEX_BYTES: Final = 8


def chunk_by_budget(
    items: Sequence[T],
    *,
    estimate: Callable[[T], int],
    max_items: int = DEFAULT_MAX_CHUNK_ITEMS,
    max_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
) -> list[list[T]]:
    """Split `items` into consecutive chunks within an item count and a byte budget.

    Args:
        items: The items, in submission order.
        estimate: Estimated encoded size of one item, in bytes (must be >= 0).
        max_items: Most items per chunk.
        max_bytes: Byte budget per chunk; a single larger item gets a chunk of its own.

    Returns:
        The chunks; concatenated they equal `items`. Empty input gives no chunks.

    Raises:
        ValidationError: A limit is below 1 or an estimate is negative.
    """
    if max_items < 1:
        raise ValidationError(f"must be >= 1, got {max_items}", field="max_items")
    if max_bytes < 1:
        raise ValidationError(f"must be >= 1, got {max_bytes}", field="max_bytes")
    chunks: list[list[T]] = []
    current: list[T] = []
    current_bytes = 0
    for index, item in enumerate(items):
        size = estimate(item)
        if size < 0:
            raise ValidationError(f"byte estimate must be >= 0, got {size}", field=f"data[{index}]")
        if current and (len(current) >= max_items or current_bytes + size > max_bytes):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += size
    if current:
        chunks.append(current)
    return chunks


def estimate_tensor_bytes(
    num_values: int, itemsize: int, *, crow_len: int = 0, col_len: int = 0
) -> int:
    """Estimate the wire size of one ``loss_fn_inputs`` tensor.

    Args:
        num_values: Stored values (all elements when dense, non-pad entries when sparse).
        itemsize: Bytes per value in the wire dtype (4 for float32, 8 for int64).
        crow_len: Length of the CSR row pointer array, if sparse.
        col_len: Length of the CSR column index array, if sparse.

    Returns:
        Estimated bytes.
    """
    return num_values * itemsize + _INDEX_BYTES * (crow_len + col_len)


def estimate_datum_bytes(token_count: int, image_bytes: int = 0, tensor_nbytes: int = 0) -> int:
    """Estimate the encoded size of one training datum.

    Args:
        token_count: Tokens in the datum's text chunks.
        image_bytes: Raw bytes of image and dmel chunks plus the lengths of asset locations.
        tensor_nbytes: Sum of `estimate_tensor_bytes` over its ``loss_fn_inputs``.

    Returns:
        Estimated bytes.
    """
    return _TRAIN_BYTES_PER_TOKEN * token_count + image_bytes + tensor_nbytes


def estimate_prompt_bytes(token_count: int, image_bytes: int = 0) -> int:
    """Estimate the size of a sampling prompt (used for dispatch budgets and backoff length).

    Args:
        token_count: Tokens in the prompt's text chunks.
        image_bytes: Raw bytes of image and dmel chunks plus the lengths of asset locations.

    Returns:
        Estimated bytes.
    """
    return _PROMPT_BYTES_PER_TOKEN * token_count + image_bytes
