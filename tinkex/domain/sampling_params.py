"""Client-side validation of the arguments of ``SamplingClient.sample``.

Everything here is checked before a request is built, so a bad argument fails at the call site
with the argument's name instead of as a server 400 (or, worse, a silently different sample:
a ``top_k`` of 0, a prompt that leaves no room in the context window).

Rules (the upper bounds are `tinkex.domain.limits`, which the server enforces too):
``1 <= num_samples <= MAX_NUM_SAMPLES``; ``1 <= max_tokens <= MAX_SAMPLE_MAX_TOKENS`` when given,
and ``num_samples * max_tokens <= MAX_SAMPLED_TOKENS_PER_REQUEST``; ``temperature`` finite and
``>= 0``; ``top_k`` -1 (no limit) or in ``[1, MAX_TOKEN_ID + 1]``; ``0 < top_p <= 1``; ``stop``
is None, a non-empty string, a list of non-empty strings or a list of token ids in
``[0, MAX_TOKEN_ID]`` (not mixed; ``[]`` disables stopping, EOS included), every string encodable
as UTF-8; ``seed`` an int64; the top-k logprob widths in ``[0, MAX_TOPK_LOGPROBS]`` and
``prompt_alt_tokens_k`` in ``[0, MAX_PROMPT_ALT_TOKENS_K]``; ``prompt_logprobs_last_n`` in
``[1, len(prompt) - 1]`` and only with ``include_prompt_logprobs``; ``target_prompt_logprobs``
of shape ``[len(prompt) - 1, K]``; the prompt non-empty and, when the model's context length
is known, ``len(prompt) + max_tokens`` within it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypeGuard

from tinkex.domain.limits import (
    MAX_NUM_SAMPLES,
    MAX_PROMPT_ALT_TOKENS_K,
    MAX_SAMPLE_MAX_TOKENS,
    MAX_SAMPLED_TOKENS_PER_REQUEST,
    MAX_TOKEN_ID,
    MAX_TOPK_LOGPROBS,
)
from tinkex.domain.text_checks import require_text
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["validate_sample_args", "validate_stop"]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def _require_int(value: object, field: str, *, minimum: int, maximum: int) -> None:
    if type(value) is int and minimum <= value <= maximum:
        return  # the usual case, settled in one comparison (it runs per argument per sample)
    if not _is_int(value):
        raise ValidationError(f"must be an int, got {type(value).__name__}", field=field)
    if value < minimum:
        raise ValidationError(f"must be >= {minimum}, got {value}", field=field)
    if value > maximum:
        raise ValidationError(f"must be <= {maximum}, got {_short_int(value)}", field=field)


def _short_int(value: int) -> str:
    # A hostile int may have a million digits: name its size instead of printing it.
    return str(value) if value.bit_length() <= 64 else f"an int of {value.bit_length()} bits"


def _require_number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"must be a number, got {type(value).__name__}", field=field)
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number):
        raise ValidationError(f"must be finite, got {_repr(value)}", field=field)
    return number


def _repr(value: object) -> str:
    if _is_int(value):
        return _short_int(value)
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def validate_stop(stop: object, field: str = "stop") -> None:
    """Check a stop condition: None, a string, a list of strings or a list of token ids.

    Args:
        stop: The stop condition.
        field: Argument name reported in the error.

    Raises:
        ValidationError: Wrong type, empty strings, negative ids, or strings mixed with ids.
    """
    if stop is None:
        return
    if isinstance(stop, str):
        if not stop:
            raise ValidationError("an empty stop string would stop immediately", field=field)
        require_text(stop, field)
        return
    if not isinstance(stop, list | tuple):
        raise ValidationError(
            f"must be None, a string, a list of strings or a list of token ids, got "
            f"{type(stop).__name__}",
            field=field,
        )
    strings = bool(stop) and isinstance(stop[0], str)  # the first item decides the kind
    for index, item in enumerate(stop):
        where = f"{field}[{index}]"
        if isinstance(item, str) != strings:
            raise ValidationError(
                "must be all strings or all token ids (ints), not a mix", field=where
            )
        if strings:
            if not item:
                raise ValidationError("stop strings must be non-empty", field=where)
            require_text(item, where)
            continue
        if not _is_int(item):
            raise ValidationError(f"token ids must be ints, got {type(item).__name__}", field=where)
        if item < 0:
            raise ValidationError(f"token ids must be >= 0, got {item}", field=where)
        if item > MAX_TOKEN_ID:
            raise ValidationError(
                f"token ids must be <= {MAX_TOKEN_ID}, got {_short_int(item)}", field=where
            )


def validate_sample_args(
    *,
    num_samples: int,
    max_tokens: int | None,
    temperature: float,
    top_k: int,
    top_p: float,
    stop: str | Sequence[str] | Sequence[int] | None,
    seed: int | None,
    include_prompt_logprobs: bool,
    topk_prompt_logprobs: int,
    topk_sample_logprobs: int,
    prompt_alt_tokens_k: int,
    prompt_logprobs_last_n: int | None,
    prompt_length: int | None,
    target_prompt_logprobs_shape: Sequence[int] | None,
    max_context_length: int | None = None,
) -> None:
    """Check every argument of a sample call (see the module docstring for the rules).

    Args:
        num_samples: Completions to draw.
        max_tokens: Most tokens per completion, or None for the server default.
        temperature: Sampling temperature.
        top_k: Top-k cutoff, -1 for none.
        top_p: Nucleus probability.
        stop: Stop strings or token ids.
        seed: Random seed, or None.
        include_prompt_logprobs: Whether prompt logprobs are requested.
        topk_prompt_logprobs: Top-k width of prompt logprobs (0 = off).
        topk_sample_logprobs: Top-k width of sampled-token logprobs (0 = off).
        prompt_alt_tokens_k: Alternative tokens drawn per prompt position (0 = off).
        prompt_logprobs_last_n: Score only the last N prompt tokens, or None for all.
        prompt_length: Tokens in the prompt, or None when unknown.
        target_prompt_logprobs_shape: Shape of the ``target_prompt_logprobs`` tensor, if given.
        max_context_length: The model's context window, when known.

    Raises:
        ValidationError: An argument is out of range; ``field`` names it.
    """
    _require_int(num_samples, "num_samples", minimum=1, maximum=MAX_NUM_SAMPLES)
    if max_tokens is not None:
        _require_int(max_tokens, "max_tokens", minimum=1, maximum=MAX_SAMPLE_MAX_TOKENS)
        if num_samples * max_tokens > MAX_SAMPLED_TOKENS_PER_REQUEST:
            raise ValidationError(
                f"num_samples * max_tokens = {num_samples * max_tokens} exceeds "
                f"{MAX_SAMPLED_TOKENS_PER_REQUEST} tokens per request; split the request",
                field="num_samples",
            )
    if _require_number(temperature, "temperature") < 0:
        raise ValidationError(f"must be >= 0, got {temperature}", field="temperature")
    if not _is_int(top_k) or not (top_k == -1 or 1 <= top_k <= MAX_TOKEN_ID + 1):
        raise ValidationError(
            f"must be -1 (no limit) or in [1, {MAX_TOKEN_ID + 1}], got {_repr(top_k)}",
            field="top_k",
        )
    if not 0 < _require_number(top_p, "top_p") <= 1:
        raise ValidationError(f"must be in (0, 1], got {top_p}", field="top_p")
    validate_stop(stop)
    if seed is not None:
        if not _is_int(seed):
            raise ValidationError(
                f"must be an int or None, got {type(seed).__name__}", field="seed"
            )
        _require_int(seed, "seed", minimum=_INT64_MIN, maximum=_INT64_MAX)
    _require_int(topk_prompt_logprobs, "topk_prompt_logprobs", minimum=0, maximum=MAX_TOPK_LOGPROBS)
    _require_int(topk_sample_logprobs, "topk_sample_logprobs", minimum=0, maximum=MAX_TOPK_LOGPROBS)
    _require_int(
        prompt_alt_tokens_k, "prompt_alt_tokens_k", minimum=0, maximum=MAX_PROMPT_ALT_TOKENS_K
    )
    _check_prompt(prompt_length, max_tokens, max_context_length)
    _check_last_n(prompt_logprobs_last_n, include_prompt_logprobs, prompt_length)
    _check_target_shape(target_prompt_logprobs_shape, prompt_length)


def _check_prompt(
    prompt_length: int | None, max_tokens: int | None, max_context_length: int | None
) -> None:
    if prompt_length is None:
        return
    if prompt_length < 1:
        raise ValidationError("the prompt is empty; give at least one token", field="prompt")
    if max_context_length is None:
        return
    needed = prompt_length + (max_tokens if max_tokens is not None else 1)
    if needed > max_context_length:
        raise ValidationError(
            f"prompt of {prompt_length} tokens + max_tokens {max_tokens or 1} = {needed} "
            f"exceeds the model's context length {max_context_length}; shorten the prompt or "
            "lower max_tokens",
            field="max_tokens" if max_tokens is not None else "prompt",
        )


def _check_last_n(
    last_n: int | None, include_prompt_logprobs: bool, prompt_length: int | None
) -> None:
    if last_n is None:
        return
    _require_int(last_n, "prompt_logprobs_last_n", minimum=1, maximum=_INT64_MAX)
    if not include_prompt_logprobs:
        raise ValidationError(
            "applies to prompt logprobs; set include_prompt_logprobs=True",
            field="prompt_logprobs_last_n",
        )
    if prompt_length is not None and last_n > prompt_length - 1:
        raise ValidationError(
            f"must be at most len(prompt) - 1 = {prompt_length - 1} (the first prompt token has "
            f"no logprob), got {last_n}",
            field="prompt_logprobs_last_n",
        )


def _check_target_shape(shape: Sequence[int] | None, prompt_length: int | None) -> None:
    if shape is None:
        return
    dims = list(shape)
    expected_rows = None if prompt_length is None else prompt_length - 1
    if len(dims) != 2 or dims[1] < 1 or (expected_rows is not None and dims[0] != expected_rows):
        rows = "len(prompt) - 1" if expected_rows is None else str(expected_rows)
        raise ValidationError(
            f"must be 2-D [{rows}, K] with K >= 1 (token ids per prompt position after the "
            f"first, -1 to skip a cell), got shape {dims}",
            field="target_prompt_logprobs",
        )
