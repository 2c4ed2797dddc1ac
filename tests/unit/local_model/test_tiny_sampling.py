"""Sampling: determinism, greedy/top-k/top-p, stops, and the reported log-probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from tinkex.local.model import (
    EOS_ID,
    AdamSettings,
    ByteTokenizer,
    DatumArrays,
    LoraSpec,
    SampleSettings,
    TinyModel,
    VocabularyError,
)

PROMPT = np.array(ByteTokenizer().encode("Once upon a time"), dtype=np.int64)


def model() -> TinyModel:
    return TinyModel.create("sampler", LoraSpec(rank=4, seed=0))


def forward_logprobs(m: TinyModel, prompt: np.ndarray, generated: np.ndarray) -> np.ndarray:
    """Model log-probabilities of `generated` following `prompt`, via forward."""
    full = np.concatenate([prompt, generated.astype(np.int64)])
    inputs = {"target_tokens": full[1:], "weights": np.ones(full.shape[0] - 1)}
    lp = m.forward([DatumArrays(full[:-1], inputs)], "cross_entropy").logprobs[0]
    return lp[prompt.shape[0] - 1 :]


def ranked(m: TinyModel, prompt: np.ndarray, generated: np.ndarray) -> np.ndarray:
    """Token ids of every generation step sorted by descending model probability."""
    full = np.concatenate([prompt, generated.astype(np.int64)])
    result = m.sample(full, 1, SampleSettings(max_tokens=0), topk_prompt_logprobs=258)
    assert result.topk_prompt_logprobs is not None
    return result.topk_prompt_logprobs[0][prompt.shape[0] :]


def test_same_seed_gives_same_samples_and_other_seeds_differ() -> None:
    """A seed fixes every sequence; another seed gives other text."""
    m = model()
    settings = SampleSettings(max_tokens=12, seed=42)
    first = m.sample(PROMPT, 3, settings).sequences
    again = m.sample(PROMPT, 3, settings).sequences
    other = m.sample(PROMPT, 3, SampleSettings(max_tokens=12, seed=43)).sequences
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a.tokens, b.tokens)
        np.testing.assert_array_equal(a.logprobs, b.logprobs)
    assert any(not np.array_equal(a.tokens, c.tokens) for a, c in zip(first, other, strict=True))
    assert len({seq.tokens.tobytes() for seq in first}) > 1  # num_samples draws independently


@pytest.mark.parametrize(
    "settings",
    [
        SampleSettings(max_tokens=10, temperature=0.0, seed=1),
        SampleSettings(max_tokens=10, top_k=1, seed=2),
        SampleSettings(max_tokens=10, top_p=1e-9, seed=3),
    ],
)
def test_greedy_settings_pick_the_argmax(settings: SampleSettings) -> None:
    """Temperature 0, top_k 1 and a vanishing top_p all pick the most likely token."""
    m = model()
    seq = m.sample(PROMPT, 2, settings).sequences[0]
    np.testing.assert_array_equal(seq.tokens, ranked(m, PROMPT, seq.tokens)[:, 0])


def test_top_k_and_top_p_keep_samples_inside_the_allowed_set() -> None:
    """top_k=3 samples come from the 3 likeliest tokens; top_p=0.5 from the nucleus."""
    m = model()
    for seq in m.sample(PROMPT, 4, SampleSettings(max_tokens=15, top_k=3, seed=5)).sequences:
        order = ranked(m, PROMPT, seq.tokens)
        for step, token in enumerate(seq.tokens):
            assert token in order[step, :3]
    for seq in m.sample(PROMPT, 4, SampleSettings(max_tokens=15, top_p=0.5, seed=6)).sequences:
        order = ranked(m, PROMPT, seq.tokens)
        full = np.concatenate([PROMPT, seq.tokens.astype(np.int64)])
        probs = m.sample(full, 1, SampleSettings(max_tokens=0), topk_prompt_logprobs=258)
        assert probs.topk_prompt_logprobs is not None
        sorted_probs = np.exp(probs.topk_prompt_logprobs[1][PROMPT.shape[0] :].astype(np.float64))
        for step, token in enumerate(seq.tokens):
            position = int(np.flatnonzero(order[step] == token)[0])
            assert sorted_probs[step, :position].sum() < 0.5


def test_reported_logprobs_are_the_models_at_any_temperature() -> None:
    """Sampled-token logprobs equal forward's logprobs (temperature 1, unfiltered)."""
    m = model()
    for settings in (
        SampleSettings(max_tokens=8, seed=7),
        SampleSettings(max_tokens=8, temperature=0.5, top_k=5, seed=8),
    ):
        for seq in m.sample(PROMPT, 2, settings).sequences:
            expected = forward_logprobs(m, PROMPT, seq.tokens)
            np.testing.assert_allclose(seq.logprobs, expected, rtol=1e-5, atol=1e-6)
            assert seq.tokens.dtype == np.int32
            assert seq.logprobs.dtype == np.float32


def test_max_tokens_ends_with_length() -> None:
    """With stops disabled the sequence runs exactly max_tokens and says "length"."""
    m = model()
    seqs = m.sample(PROMPT, 3, SampleSettings(max_tokens=7, stop_token_seqs=(), seed=0)).sequences
    assert [(len(s.tokens), s.stop_reason) for s in seqs] == [(7, "length")] * 3
    empty = m.sample(PROMPT, 1, SampleSettings(max_tokens=0)).sequences[0]
    assert (len(empty.tokens), empty.stop_reason) == (0, "length")


def test_stop_sequence_ends_generation_and_is_included() -> None:
    """A two-token stop sequence stops at its first occurrence, tokens included; () is ignored."""
    m = model()
    greedy = m.sample(PROMPT, 1, SampleSettings(max_tokens=20, temperature=0.0)).sequences[0]
    stop = (int(greedy.tokens[5]), int(greedy.tokens[6]))
    ends = [i + 2 for i in range(19) if tuple(int(t) for t in greedy.tokens[i : i + 2]) == stop]
    settings = SampleSettings(max_tokens=20, temperature=0.0, stop_token_seqs=((), stop))
    seq = m.sample(PROMPT, 1, settings).sequences[0]
    assert seq.stop_reason == "stop"
    np.testing.assert_array_equal(seq.tokens, greedy.tokens[: ends[0]])


def eos_model() -> TinyModel:
    """A model trained to end "hi" with EOS."""
    m = model()
    hi = np.array(ByteTokenizer().encode("hi"), dtype=np.int64)
    datum = DatumArrays(hi, {"target_tokens": np.array([hi[1], EOS_ID]), "weights": np.ones(2)})
    for _ in range(15):
        m.forward_backward([datum], "cross_entropy")
        m.optim_step(AdamSettings(learning_rate=0.05))
    return m


def test_eos_stops_by_default_and_not_when_stops_are_disabled() -> None:
    """EOS ends a default sample with "stop"; with no stops it is just another token."""
    m = eos_model()
    prompt = np.array(ByteTokenizer().encode("hi"), dtype=np.int64)
    seq = m.sample(prompt, 1, SampleSettings(max_tokens=10, temperature=0.0)).sequences[0]
    assert seq.tokens.tolist() == [EOS_ID]
    assert seq.stop_reason == "stop"
    settings = SampleSettings(max_tokens=10, temperature=0.0, stop_token_seqs=())
    run_on = m.sample(prompt, 1, settings).sequences[0]
    assert run_on.tokens[0] == EOS_ID
    assert (len(run_on.tokens), run_on.stop_reason) == (10, "length")


def test_prompt_logprobs_match_forward_with_nan_first() -> None:
    """prompt_logprobs[0] is NaN; the rest equal forward's logprobs of the prompt."""
    m = model()
    result = m.sample(PROMPT, 1, SampleSettings(max_tokens=1), prompt_logprobs=True)
    assert result.prompt_logprobs is not None
    assert result.prompt_logprobs.shape == PROMPT.shape
    assert np.isnan(result.prompt_logprobs[0])
    expected = forward_logprobs(m, PROMPT[:1], PROMPT[1:].astype(np.int32))
    np.testing.assert_allclose(result.prompt_logprobs[1:], expected, rtol=1e-6)
    assert result.topk_prompt_logprobs is None


def test_topk_prompt_logprobs_shape_sentinel_and_order() -> None:
    """Top-k rows are [len(prompt), k], row 0 the sentinel, sorted, led by the argmax."""
    m = model()
    result = m.sample(
        PROMPT, 1, SampleSettings(max_tokens=1), prompt_logprobs=True, topk_prompt_logprobs=4
    )
    assert result.topk_prompt_logprobs is not None
    ids, lps = result.topk_prompt_logprobs
    assert ids.shape == lps.shape == (PROMPT.shape[0], 4)
    assert ids.dtype == np.dtype(np.int32)
    assert lps.dtype == np.dtype(np.float32)
    assert ids[0].tolist() == [0] * 4
    assert lps[0].tolist() == [-99999.0] * 4
    assert np.all(np.diff(lps[1:], axis=1) <= 0)
    assert result.prompt_logprobs is not None
    assert np.all(lps[1:, 0] >= result.prompt_logprobs[1:] - 1e-6)


def test_bad_requests_are_refused() -> None:
    """Bad counts, too-long requests and out-of-vocabulary prompts raise."""
    m = model()
    with pytest.raises(ValueError, match="num_samples"):
        m.sample(PROMPT, 0, SampleSettings())
    with pytest.raises(ValueError, match="context length"):
        m.sample(PROMPT, 1, SampleSettings(max_tokens=m.context_length))
    with pytest.raises(ValueError, match="top_p"):
        m.sample(PROMPT, 1, SampleSettings(top_p=0.0))
    with pytest.raises(VocabularyError, match="300"):
        m.sample(np.array([1, 300]), 1, SampleSettings(max_tokens=1))
