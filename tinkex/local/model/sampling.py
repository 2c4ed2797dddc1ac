"""Autoregressive sampling of the tiny model: temperature, top-k, top-p, stop sequences.

All samples of one request advance in lockstep and draw one uniform number each per step from a
single ``numpy`` PCG64 generator, so a seed fixes every sequence. Each token is picked from the
tempered, top-k then top-p filtered distribution (temperature 0 or ``top_k == 1`` is greedy,
lowest id on ties), but the log-probability reported for it is the unmodified model's
(temperature 1, no filtering), which is what an importance-sampling loss needs as ``q``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from tinkex.local.model.records import SampledSequenceArrays
from tinkex.local.model.tokenizer import EOS_ID, VOCAB_SIZE, check_token_ids

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.local.model.records import SampleSettings

__all__ = [
    "SENTINEL_LOGPROB",
    "choose_tokens",
    "sample_sequences",
    "topk_rows",
    "validate_settings",
]

SENTINEL_LOGPROB = -99999.0


def validate_settings(settings: SampleSettings, num_samples: int) -> None:
    """Reject sampling parameters that make no sense.

    Args:
        settings: Sampling parameters.
        num_samples: Requested number of sequences.

    Raises:
        ValueError: A parameter is out of range (the message names it).
        VocabularyError: A stop sequence holds an id outside the vocabulary.
    """
    if num_samples < 1:
        raise ValueError(f"num_samples must be at least 1, got {num_samples}")
    if settings.max_tokens is not None and settings.max_tokens < 0:
        raise ValueError(f"max_tokens must not be negative, got {settings.max_tokens}")
    if not settings.temperature >= 0.0:
        raise ValueError(f"temperature must not be negative, got {settings.temperature}")
    if not 0.0 < settings.top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {settings.top_p}")
    for seq in settings.stop_token_seqs or ():
        check_token_ids(seq)


def choose_tokens(
    logprobs: np.ndarray, settings: SampleSettings, uniforms: np.ndarray
) -> np.ndarray:
    """Pick one token per row.

    Args:
        logprobs: float ``[S, V]`` model log-probabilities.
        settings: Temperature, top-k and top-p.
        uniforms: ``[S]`` uniform draws in ``[0, 1)``, one per row.

    Returns:
        int64 ``[S]`` chosen token ids.
    """
    if settings.temperature == 0.0 or settings.top_k == 1:
        greedy: np.ndarray = np.argmax(logprobs, axis=1).astype(np.int64)
        return greedy
    scaled = logprobs / settings.temperature
    order = np.argsort(-scaled, axis=1, kind="stable")
    ranked = np.take_along_axis(scaled, order, axis=1)
    probs = np.exp(ranked - ranked[:, :1])
    if 1 < settings.top_k < VOCAB_SIZE:
        probs[:, settings.top_k :] = 0.0
    probs /= probs.sum(axis=1, keepdims=True)
    if settings.top_p < 1.0:
        # Keep the shortest prefix whose mass reaches top_p (the first token always stays).
        probs = np.where(np.cumsum(probs, axis=1) - probs < settings.top_p, probs, 0.0)
    cumulative = np.cumsum(probs, axis=1)
    picks = (cumulative < uniforms[:, None] * cumulative[:, -1:]).sum(axis=1)
    picks = np.minimum(picks, VOCAB_SIZE - 1)
    chosen: np.ndarray = order[np.arange(order.shape[0]), picks].astype(np.int64)
    return chosen


def sample_sequences(
    next_logprobs: Callable[[np.ndarray], np.ndarray],
    last_window: np.ndarray,
    num_samples: int,
    settings: SampleSettings,
    max_new_tokens: int,
) -> list[SampledSequenceArrays]:
    """Generate sequences.

    Args:
        next_logprobs: Maps int ``[S, window]`` context windows to float ``[S, V]``
            next-token log-probabilities.
        last_window: int ``[window]`` window ending at the last prompt token.
        num_samples: How many sequences.
        settings: Sampling parameters.
        max_new_tokens: Token budget per sequence.

    Returns:
        One sequence per sample.
    """
    seed = None if settings.seed is None else settings.seed % 2**64
    rng = np.random.default_rng(seed)
    wanted: tuple[tuple[int, ...], ...] = settings.stop_token_seqs or ()
    if settings.stop_token_seqs is None:
        wanted = ((EOS_ID,),)
    stops = [tuple(int(t) for t in seq) for seq in wanted if seq]
    windows = np.tile(last_window.astype(np.int64), (num_samples, 1))
    tokens: list[list[int]] = [[] for _ in range(num_samples)]
    logprobs: list[list[float]] = [[] for _ in range(num_samples)]
    reasons: list[Literal["stop", "length"]] = ["length"] * num_samples
    active = np.ones(num_samples, dtype=bool)
    for _ in range(max_new_tokens):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        uniforms = rng.random(num_samples)[rows]
        lp = next_logprobs(windows[rows])
        chosen = choose_tokens(lp, settings, uniforms)
        windows[rows] = np.concatenate([windows[rows, 1:], chosen[:, None]], axis=1)
        for i, row in enumerate(rows):
            token = int(chosen[i])
            tokens[row].append(token)
            logprobs[row].append(float(lp[i, token]))
            if any(tuple(tokens[row][-len(s) :]) == s for s in stops):
                reasons[row] = "stop"
                active[row] = False
    return [
        SampledSequenceArrays(
            tokens=np.asarray(tokens[i], dtype=np.int32),
            logprobs=np.asarray(logprobs[i], dtype=np.float32),
            stop_reason=reasons[i],
        )
        for i in range(num_samples)
    ]


def topk_rows(rows: np.ndarray, k: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Lay out top-k prompt log-probabilities, row 0 (no context) as the sentinel.

    Args:
        rows: float ``[L-1, V]`` log-probabilities at prompt positions 1..L-1.
        k: Alternatives per row.
        length: Prompt length L.

    Returns:
        ``(token_ids int32 [L, k], logprobs float32 [L, k])``, descending, empty cells
        ``(0, -99999.0)``.
    """
    ids = np.zeros((length, k), dtype=np.int32)
    lps = np.full((length, k), SENTINEL_LOGPROB, dtype=np.float32)
    kk = min(k, VOCAB_SIZE)
    if rows.shape[0]:
        order = np.argsort(-rows, axis=1, kind="stable")[:, :kk]
        ids[1:, :kk] = order
        lps[1:, :kk] = np.take_along_axis(rows, order, axis=1)
    return ids, lps
