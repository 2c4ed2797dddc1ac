"""What `SamplingClient` checks before sending a sample and after its result arrives.

Before: every argument, so a bad one fails at the call site with its name. After
the response: the server must have honoured ``prompt_alt_tokens_k`` and
``prompt_logprobs_last_n`` (an older server silently ignores them), and the submission's
``sample_sequence_ids`` are stamped onto the sequences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import msgspec
import numpy as np

from tinkex.domain.chunking import estimate_prompt_bytes
from tinkex.domain.sampling_params import validate_sample_args
from tinkex.domain.tensor_checks import check_tensor
from tinkex.domain.types import (
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    SampleResponse,
    SamplingParams,
    TensorData,
)
from tinkex.domain.wire_checks import check_model_input, require_bool
from tinkex.errors import DecodeError, UnsupportedByServerError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["check_sample_args", "check_sample_result", "prompt_bytes"]


def check_sample_args(
    prompt: ModelInput,
    *,
    num_samples: int,
    params: SamplingParams,
    include_prompt_logprobs: bool = False,
    topk_prompt_logprobs: int = 0,
    topk_sample_logprobs: int = 0,
    target_prompt_logprobs: TensorData | None = None,
    prompt_alt_tokens_k: int = 0,
    prompt_logprobs_last_n: int | None = None,
) -> None:
    """Validate a sample call's arguments (see `tinkex.domain.sampling_params`).

    The prompt is checked chunk by chunk (ids in the non-negative int32 range, image chunks
    with their format and declared length), every string for UTF-8, every count against
    `tinkex.domain.limits`.

    Raises:
        ValidationError: An argument is wrong; ``field`` names it.
    """
    length = check_model_input(prompt, "prompt")
    if length == 0:
        raise ValidationError("the prompt is empty", field="prompt")
    if not isinstance(params, SamplingParams):
        raise ValidationError(
            f"expected SamplingParams, got {type(params).__name__}", field="sampling_params"
        )
    require_bool(include_prompt_logprobs, "include_prompt_logprobs")
    target_shape = None
    if target_prompt_logprobs is not None:
        field = "target_prompt_logprobs"
        target: object = target_prompt_logprobs  # callers may be untyped
        if isinstance(target, TensorData) and target.shape is None:
            raise ValidationError("needs a 2-D shape [len(prompt) - 1, K]", field=field)
        # Token ids to score, -1 marking a cell to skip.
        check_tensor(target_prompt_logprobs, field, token_ids=True, min_id=-1)
        target_shape = target_prompt_logprobs.shape
    validate_sample_args(
        num_samples=num_samples,
        max_tokens=params.max_tokens,
        temperature=params.temperature,
        top_k=params.top_k,
        top_p=params.top_p,
        stop=cast("str | Sequence[str] | Sequence[int] | None", params.stop),
        seed=params.seed,
        include_prompt_logprobs=include_prompt_logprobs,
        topk_prompt_logprobs=topk_prompt_logprobs,
        topk_sample_logprobs=topk_sample_logprobs,
        prompt_alt_tokens_k=prompt_alt_tokens_k,
        prompt_logprobs_last_n=prompt_logprobs_last_n,
        prompt_length=length,
        target_prompt_logprobs_shape=target_shape,
    )


def prompt_bytes(prompt: ModelInput) -> int:
    """The dispatch estimate of a prompt (the bytes it holds of the dispatch budget)."""
    # One plain loop: this runs once per sample, and each generator expression would be a
    # function, a generator and their cells for the garbage collector.
    tokens = blobs = 0
    for chunk in prompt.chunks:
        if isinstance(chunk, EncodedTextChunk):
            tokens += len(chunk.tokens)
        elif isinstance(chunk, ImageChunk):
            blobs += len(chunk.data)
        elif isinstance(chunk, ImageAssetPointerChunk):
            blobs += len(chunk.location)
    return estimate_prompt_bytes(tokens, blobs)


def check_sample_result(
    response: SampleResponse,
    sequence_ids: list[str] | None,
    *,
    prompt_length: int,
    prompt_alt_tokens_k: int,
    prompt_logprobs_last_n: int | None,
) -> SampleResponse:
    """Check that the server honoured the request, then stamp the sequence ids.

    The ids are stamped in place: `response` must be freshly decoded, held by no one else.

    Raises:
        UnsupportedByServerError: Alt tokens were asked for but none came back, or prompt
            logprobs before the last n tokens were computed (a server that ignores the option).
        DecodeError: The submission named a different number of sequences than came back.
    """
    if prompt_alt_tokens_k > 0 and response.prompt_alt_tokens is None:
        raise UnsupportedByServerError(
            "prompt_alt_tokens_k was requested but the server returned no alternative tokens"
        )
    if prompt_logprobs_last_n is not None and response.prompt_logprobs_np is not None:
        head = response.prompt_logprobs_np[: max(prompt_length - prompt_logprobs_last_n, 0)]
        if not bool(np.isnan(head).all()):
            raise UnsupportedByServerError(
                "prompt_logprobs_last_n was requested but the server computed logprobs for the "
                "whole prompt (it predates the option)"
            )
    if not sequence_ids:
        return response
    if len(sequence_ids) != len(response.sequences):
        raise DecodeError(
            f"the submission named {len(sequence_ids)} sequences but "
            f"{len(response.sequences)} came back"
        )
    # The response was just decoded for this call and nobody else holds it: its sequences are
    # stamped in place rather than copied (no new objects per sample).
    for seq, sequence_id in zip(response.sequences, sequence_ids, strict=True):
        msgspec.structs.force_setattr(seq, "sequence_id", sequence_id)
    return response
