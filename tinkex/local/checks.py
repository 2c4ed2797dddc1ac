"""Value checks a real server makes before accepting work, answering 400 naming the field.

The numbers come from `tinkex.domain.limits`, which the client's own validation uses too.
Each check runs when the request arrives, before a future is created or any work queued, so
a request that is refused leaves nothing behind.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from tinkex.domain.limits import (
    MAX_LEARNING_RATE,
    MAX_NUM_SAMPLES,
    MAX_PROMPT_ALT_TOKENS_K,
    MAX_SAMPLE_MAX_TOKENS,
    MAX_SAMPLED_TOKENS_PER_REQUEST,
    MAX_SEQ_ID,
    MAX_TOKEN_ID,
    MAX_TOPK_LOGPROBS,
    MIN_TOKEN_ID,
)
from tinkex.local.reply import HttpError, UserError
from tinkex.local.store import parse_tinker_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tinkex.local.codec import Fields
    from tinkex.local.model import AdamSettings

__all__ = [
    "check_adam",
    "check_range",
    "check_sample_request",
    "check_seq_id",
    "check_tinker_path",
    "check_token_ids",
    "read_seq_id",
    "require_seq_id",
]


def check_range(value: float, low: float, high: float, where: str) -> None:
    """Refuse a value outside ``[low, high]`` (and any non-finite number).

    Raises:
        HttpError: 400 naming `where` and the allowed range.
    """
    finite = isinstance(value, int) or math.isfinite(value)
    if finite and low <= value <= high:
        return
    if math.isinf(high):
        raise HttpError(400, f"{where}: must be a finite number >= {low!r}, got {value!r}")
    raise HttpError(400, f"{where}: must be between {low!r} and {high!r}, got {value!r}")


def check_seq_id(value: int | None, where: str) -> None:
    """A sequence id fits the server's int64 (None: not sent)."""
    if value is not None:
        check_range(value, 0, MAX_SEQ_ID, where)


def read_seq_id(body: Fields, key: str = "seq_id") -> int | None:
    """Read an optional sequence-id field (None when absent), range-checked.

    Raises:
        HttpError: 400 outside ``[0, MAX_SEQ_ID]``.
    """
    value = body.opt_int(key)
    check_seq_id(value, f"{body.where}.{key}")
    return value


def require_seq_id(body: Fields, key: str) -> int:
    """Read a required sequence-id field (``model_seq_id``...), range-checked.

    Raises:
        HttpError: 422 when missing, 400 outside ``[0, MAX_SEQ_ID]``.
    """
    value = body.req_int(key)
    check_seq_id(value, f"{body.where}.{key}")
    return value


def check_token_ids(tokens: Sequence[int] | np.ndarray, where: str) -> None:
    """Token ids are non-negative int32 values.

    Raises:
        HttpError: 400 naming the field, the first offending id and the allowed range.
    """
    if isinstance(tokens, np.ndarray):
        bad = np.flatnonzero((tokens < MIN_TOKEN_ID) | (tokens > MAX_TOKEN_ID))
        first = int(bad[0]) if bad.size else None
    else:
        outside = (i for i, t in enumerate(tokens) if not MIN_TOKEN_ID <= t <= MAX_TOKEN_ID)
        first = next(outside, None)
    if first is not None:
        raise HttpError(
            400,
            f"{where}[{first}]: token id {int(tokens[first])} is outside "
            f"[{MIN_TOKEN_ID}, {MAX_TOKEN_ID}]",
        )


def check_adam(adam: AdamSettings, where: str) -> None:
    """Optimizer hyperparameters are finite and in range (a huge rate only yields NaN weights)."""
    check_range(adam.learning_rate, 0.0, MAX_LEARNING_RATE, f"{where}.learning_rate")
    check_range(adam.beta1, 0.0, 1.0, f"{where}.beta1")
    check_range(adam.beta2, 0.0, 1.0, f"{where}.beta2")
    for name in ("eps", "weight_decay", "grad_clip_norm"):
        check_range(getattr(adam, name), 0.0, math.inf, f"{where}.{name}")


def check_sample_request(body: Fields, num_samples: int, max_tokens: int) -> None:
    """The sizes of one sample request stay within the documented limits.

    Args:
        body: The request body.
        num_samples: Its ``num_samples``.
        max_tokens: Its ``sampling_params.max_tokens``, or the model's context length when
            unset (the most a sequence can then grow to).
    """
    check_range(num_samples, 1, MAX_NUM_SAMPLES, "body.num_samples")
    for field in ("topk_prompt_logprobs", "topk_sample_logprobs"):
        check_range(body.req_int(field, 0), 0, MAX_TOPK_LOGPROBS, f"body.{field}")
    alt = body.req_int("prompt_alt_tokens_k", 0)
    check_range(alt, 0, MAX_PROMPT_ALT_TOKENS_K, "body.prompt_alt_tokens_k")
    check_range(max_tokens, 0, MAX_SAMPLE_MAX_TOKENS, "body.sampling_params.max_tokens")
    if num_samples * max_tokens > MAX_SAMPLED_TOKENS_PER_REQUEST:
        raise HttpError(
            400,
            f"body.num_samples * body.sampling_params.max_tokens = {num_samples} * {max_tokens} "
            f"exceeds the limit of {MAX_SAMPLED_TOKENS_PER_REQUEST} sampled tokens per request",
        )


def check_tinker_path(path: str, where: str, *, short: bool = False) -> tuple[str, str, str]:
    """Split a ``tinker://<run>/<segment>/<name>`` path, refusing anything else with 400.

    With `short`, ``tinker://<run>/<name>`` (a sampler path this backend handed out) is
    accepted too and names ``sampler_weights/<name>``.
    """
    try:
        return parse_tinker_path(path, short=short)
    except UserError as exc:
        raise HttpError(400, f"{where}: {exc}") from exc
