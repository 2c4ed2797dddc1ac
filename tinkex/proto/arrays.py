"""Numpy-level values of the Tinker protobuf payloads, shared by the client and the local server.

These frozen dataclasses are the neutral shapes that `tinkex.proto.wire` encodes and decodes;
they know nothing about HTTP, asyncio or the public SDK types. Classes holding arrays compare
by identity (`eq=False`) because element-wise numpy equality has no single truth value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "Array",
    "DmelChunk",
    "ForwardBackwardOutputArrays",
    "ForwardBackwardRequestArrays",
    "ImageChunk",
    "LossInput",
    "ModelInputChunk",
    "ProtoDatum",
    "ProtoDecodeError",
    "SampleResponseArrays",
    "SequenceArrays",
    "Span",
    "SparseCsrArray",
    "TextChunk",
    "TopkArrays",
    "int32_tokens",
]

Array: TypeAlias = npt.NDArray[Any]

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


class ProtoDecodeError(ValueError):
    """A protobuf body or one of its packed arrays is malformed.

    The message names the offending field (for example
    `data[3].loss_fn_inputs['weights'].dense`) and never includes payload bytes.
    """


def int32_tokens(tokens: object) -> Array:
    """Return integer token ids as a little-endian int32 array of the same shape.

    Args:
        tokens: Any integer array-like (int64 is typical).

    Returns:
        The ids as `<i4`; no copy when they already are.

    Raises:
        ValueError: For a non-integer dtype or an id outside the int32 range.
    """
    arr = np.asarray(tokens)
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=np.int32)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"tokens must be integers, got dtype {arr.dtype}")
    if arr.dtype.itemsize > 4 or arr.dtype == np.uint32:
        # Tokens travel as int32 on the wire; a silent wrap-around would train on other ids.
        low, high = int(arr.min()), int(arr.max())
        if low < _INT32_MIN or high > _INT32_MAX:
            raise ValueError(f"token ids must fit int32, got range [{low}, {high}]")
    return arr.astype("<i4", copy=False)


@dataclass(frozen=True, eq=False, slots=True)
class TextChunk:
    """Encoded text: token ids, stored as int32 (wider integer input is checked and cast).

    Attributes:
        tokens: 1-D int32 array of token ids.

    Raises:
        ValueError: When the input is not a 1-D integer array or an id does not fit int32.
    """

    tokens: Array

    def __post_init__(self) -> None:
        tokens = int32_tokens(self.tokens)
        if tokens.ndim != 1:
            raise ValueError(f"tokens must be 1-D, got shape {tokens.shape}")
        object.__setattr__(self, "tokens", tokens)


@dataclass(frozen=True, slots=True)
class ImageChunk:
    """An encoded image.

    Attributes:
        data: The image file bytes.
        format: `"png"` or `"jpeg"`.
        expected_tokens: How many model tokens the image occupies, when known.
    """

    data: bytes
    format: str
    expected_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class DmelChunk:
    """Audio tokens as a serialized TensorContainer.

    Attributes:
        dmel: The serialized container bytes.
    """

    dmel: bytes


ModelInputChunk: TypeAlias = TextChunk | ImageChunk | DmelChunk


@dataclass(frozen=True, slots=True)
class Span:
    """A provenance span: which slice of a prompt or sampled sequence some tokens came from.

    Attributes:
        kind: `"prompt"` or `"sampled"`.
        sequence_id: Identity of the source sequence.
        offset: First token of the slice in the source.
        length: Number of tokens.
    """

    kind: Literal["prompt", "sampled"]
    sequence_id: str
    offset: int
    length: int


@dataclass(frozen=True, eq=False, slots=True)
class SparseCsrArray:
    """A 2-D tensor in compressed sparse row layout.

    Attributes:
        values: The stored elements (float32 or int64).
        crow_indices: int64, `rows + 1` entries.
        col_indices: int64, one per value.
        shape: The dense shape.
    """

    values: Array
    crow_indices: Array
    col_indices: Array
    shape: tuple[int, ...]


LossInput: TypeAlias = Array | SparseCsrArray


@dataclass(frozen=True, eq=False, slots=True)
class ProtoDatum:
    """One training example.

    Attributes:
        chunks: The model input, in order.
        loss_fn_inputs: Named loss inputs (dense arrays or CSR tensors).
        model_input_spans: Provenance of the model input tokens.
        loss_fn_input_spans: Provenance of the loss input tokens.
    """

    chunks: Sequence[ModelInputChunk]
    loss_fn_inputs: Mapping[str, LossInput]
    model_input_spans: Sequence[Span] = ()
    loss_fn_input_spans: Sequence[Span] = ()


@dataclass(frozen=True, eq=False, slots=True)
class ForwardBackwardRequestArrays:
    """The body of `POST /api/v1/forward_backward` (and of `forward`, with `forward_only`).

    Attributes:
        model_id: The training model id.
        seq_id: `request_id + 1`.
        data: The datums of this chunk.
        loss_fn: The loss name.
        loss_fn_config: Numeric or string loss options; `None` (or empty) when absent.
        forward_only: True for `forward`.
    """

    model_id: str
    seq_id: int
    data: Sequence[ProtoDatum]
    loss_fn: str
    loss_fn_config: Mapping[str, float | str] | None
    forward_only: bool


@dataclass(frozen=True, eq=False, slots=True)
class ForwardBackwardOutputArrays:
    """The result of a forward or forward_backward future.

    Attributes:
        loss_fn_output_type: Bare output class name, e.g. `"ArrayRecord"`.
        loss_fn_outputs: Per datum, named float32/int64 arrays (typically `logprobs`).
        metrics: Metric values keyed `name:reduction`, e.g. `loss:sum`.
    """

    loss_fn_output_type: str
    loss_fn_outputs: Sequence[Mapping[str, Array]]
    metrics: Mapping[str, float]


@dataclass(frozen=True, eq=False, slots=True)
class TopkArrays:
    """A row-major top-k table; empty cells hold token 0 and logprob -99999.0.

    Attributes:
        token_ids: `(n, k)` int32.
        logprobs: `(n, k)` float32.
    """

    token_ids: Array
    logprobs: Array


@dataclass(frozen=True, eq=False, slots=True)
class SequenceArrays:
    """One sampled sequence.

    Attributes:
        tokens: int32 token ids.
        logprobs: float32 per-token logprobs, or `None` when not computed.
        stop_reason: Why sampling stopped.
        topk: Top-k logprobs per sampled token, when requested.
    """

    tokens: Array
    logprobs: Array | None
    stop_reason: Literal["stop", "length"]
    topk: TopkArrays | None = None


@dataclass(frozen=True, eq=False, slots=True)
class SampleResponseArrays:
    """The result of a sample future.

    Attributes:
        sequences: The sampled sequences.
        prompt_logprobs: float32 per prompt token (NaN where not computed), or `None`.
        topk_prompt_logprobs: Top-k table over the prompt, when requested.
        prompt_cache_hit_tokens: Prompt tokens served from the cache.
        target_prompt_logprobs: float32 with the request's shape and layout (dense or CSR).
        prompt_alt_tokens: `(tokens int64, logprobs float32)`, each `[len(prompt) - 1, k]`.
    """

    sequences: Sequence[SequenceArrays]
    prompt_logprobs: Array | None
    topk_prompt_logprobs: TopkArrays | None
    prompt_cache_hit_tokens: int = 0
    target_prompt_logprobs: Array | SparseCsrArray | None = None
    prompt_alt_tokens: tuple[Array, Array] | None = None
