"""Loss formulas on hand-computed inputs, and loss input validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinkex.local.model import (
    DatumArrays,
    LoraSpec,
    LossInputError,
    NetworkShape,
    TinyModel,
    VocabularyError,
    loss_value_and_grad,
)

# Ratios r = exp(logp - q) of 2.0, 0.5, 1.0 and 2.0 with round logprobs.
LOGP = np.array([-1.0, -2.0, -0.5, -1.0])
RATIOS = np.array([2.0, 0.5, 1.0, 2.0])
ADV = np.array([1.0, -2.0, 3.0, -1.0])


def policy_inputs(logp: np.ndarray, ratios: np.ndarray, adv: np.ndarray) -> dict[str, np.ndarray]:
    q = logp - np.log(ratios)
    return {
        "target_tokens": np.zeros(logp.shape, np.int64),
        "logprobs": q.astype(np.float64),
        "advantages": adv,
    }


def test_cross_entropy_is_weighted_negative_logprob() -> None:
    """L = -Σ w·logp and dL/dlogp = -w."""
    inputs = {"target_tokens": np.zeros(3, np.int64), "weights": np.array([1.0, 0.0, 2.0])}
    ev = loss_value_and_grad("cross_entropy", np.array([-1.0, -2.0, -0.5]), inputs)
    assert ev.value == pytest.approx(1.0 + 0.0 + 2.0 * 0.5)
    np.testing.assert_allclose(ev.grad, [-1.0, 0.0, -2.0])
    assert ev.metrics == {"loss:sum": pytest.approx(2.0)}


def test_importance_sampling_is_negative_ratio_times_advantage() -> None:
    """L = -Σ r·A with r = exp(logp - q); dL/dlogp = -r·A."""
    ev = loss_value_and_grad("importance_sampling", LOGP, policy_inputs(LOGP, RATIOS, ADV))
    assert ev.value == pytest.approx(-(2.0 * 1 + 0.5 * -2 + 1.0 * 3 + 2.0 * -1))
    np.testing.assert_allclose(ev.grad, [-2.0, 1.0, -3.0, 2.0])


def test_ppo_takes_the_pessimistic_clipped_objective() -> None:
    """Default clip [0.8, 1.2]: min(r·A, clip(r)·A) per token, zero gradient when clipped wins."""
    ev = loss_value_and_grad("ppo", LOGP, policy_inputs(LOGP, RATIOS, ADV))
    # token: min(unclipped, clipped) -> 1: min(2, 1.2)=1.2  2: min(-1, -1.6)=-1.6
    #        3: min(3, 3)=3            4: min(-2, -1.2)=-2
    assert ev.value == pytest.approx(-(1.2 - 1.6 + 3.0 - 2.0))
    np.testing.assert_allclose(ev.grad, [0.0, 0.0, -3.0, 2.0])
    assert ev.metrics["clip_fraction:mean"] == pytest.approx(0.75)


def test_ppo_honours_configured_thresholds_given_as_strings() -> None:
    """Clip thresholds from loss_fn_config (strings allowed) replace the defaults."""
    config = {"clip_low_threshold": "0.4", "clip_high_threshold": "3.0"}
    ev = loss_value_and_grad("ppo", LOGP, policy_inputs(LOGP, RATIOS, ADV), config)
    assert ev.value == pytest.approx(-(2.0 - 1.0 + 3.0 - 2.0))
    assert ev.metrics["clip_fraction:mean"] == 0.0


def test_cispo_weights_logprob_by_stopped_clipped_ratio() -> None:
    """L = -Σ clip(r)·logp·A with the clipped ratio a constant: dL/dlogp = -clip(r)·A."""
    config = {"clip_low_threshold": 0.9, "clip_high_threshold": 1.5}
    ev = loss_value_and_grad("cispo", LOGP, policy_inputs(LOGP, RATIOS, ADV), config)
    # clip(r) = [1.5, 0.9, 1.0, 1.5]
    expected = -(1.5 * -1.0 * 1.0 + 0.9 * -2.0 * -2.0 + 1.0 * -0.5 * 3.0 + 1.5 * -1.0 * -1.0)
    assert ev.value == pytest.approx(expected)
    assert ev.value == pytest.approx(-2.1)
    np.testing.assert_allclose(ev.grad, [-1.5, 1.8, -3.0, 1.5])
    assert ev.metrics["clip_fraction:mean"] == pytest.approx(0.75)


def test_cispo_per_token_thresholds_override_config() -> None:
    """Per-token clip_low/high_threshold inputs win over the scalar config."""
    inputs = policy_inputs(LOGP, RATIOS, ADV)
    inputs["clip_low_threshold"] = np.full(4, 0.1)
    inputs["clip_high_threshold"] = np.full(4, 10.0)
    ev = loss_value_and_grad("cispo", LOGP, inputs)
    np.testing.assert_allclose(ev.grad, -RATIOS * ADV)


def test_dro_is_advantage_logprob_minus_quadratic_penalty() -> None:
    """L = -Σ(logp·A - ½β(logp - q)²); dL/dlogp = -(A - β(logp - q))."""
    logp = np.array([-1.0, -2.0])
    inputs = {
        "target_tokens": np.zeros(2, np.int64),
        "logprobs": np.array([-1.5, -1.0]),
        "advantages": np.array([2.0, -1.0]),
    }
    ev = loss_value_and_grad("dro", logp, inputs, {"beta": 0.1})
    # deltas 0.5 and -1.0: -[(-2 - 0.05·0.25) + (2 - 0.05·1)] = 0.0625
    assert ev.value == pytest.approx(0.0625)
    np.testing.assert_allclose(ev.grad, [-1.95, 0.9])
    default = loss_value_and_grad("dro", logp, inputs)
    assert default.value == pytest.approx(-((-2 - 0.025 * 0.25) + (2 - 0.025 * 1)))


def test_unknown_loss_is_rejected() -> None:
    """An unknown loss name raises LossInputError naming it."""
    with pytest.raises(LossInputError, match="unknown loss function 'hinge'"):
        loss_value_and_grad("hinge", LOGP, {})


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"target_tokens": np.zeros(4, np.int64)}, "'weights'"),
        (
            {"target_tokens": np.zeros(4, np.int64), "weights": np.ones(4), "mask": np.ones(4)},
            "'mask'",
        ),
        ({"target_tokens": np.zeros(4, np.int64), "weights": np.ones(3)}, "'weights' has shape"),
        ({"target_tokens": np.zeros(4), "weights": np.ones(4)}, "'target_tokens'"),
    ],
)
def test_bad_inputs_raise_naming_the_input(inputs: dict[str, np.ndarray], message: str) -> None:
    """Missing, extra, misshaped or wrongly typed inputs name the offending input."""
    with pytest.raises(LossInputError, match=message):
        loss_value_and_grad("cross_entropy", LOGP, inputs)


@pytest.mark.parametrize(
    ("loss", "config", "message"),
    [
        ("dro", {"gamma": 1.0}, "'gamma'"),
        ("dro", {"beta": "lots"}, "'beta'"),
        ("ppo", {"clip_low_threshold": 2.0}, "exceeds"),
        ("cross_entropy", {"beta": 1.0}, "'beta'"),
    ],
)
def test_bad_config_is_rejected(loss: str, config: dict[str, float | str], message: str) -> None:
    """Unknown keys, non-numbers and inverted clip bounds raise LossInputError."""
    inputs = policy_inputs(LOGP, RATIOS, ADV)
    if loss == "cross_entropy":
        inputs = {"target_tokens": inputs["target_tokens"], "weights": np.ones(4)}
    with pytest.raises(LossInputError, match=message):
        loss_value_and_grad(loss, LOGP, inputs, config)


def small_model() -> TinyModel:
    shape = NetworkShape(embed_dim=8, window=3, attn_dim=4, hidden=8)
    return TinyModel.create("loss-test", LoraSpec(rank=2), shape=shape)


def test_model_loss_matches_loss_of_returned_logprobs() -> None:
    """forward's loss:sum equals the loss evaluated on the logprobs it returns."""
    model = small_model()
    tokens = np.array([1, 2, 3, 4, 5], np.int64)
    inputs = policy_inputs(np.full(5, -5.0), np.linspace(0.5, 1.5, 5), np.linspace(-1, 1, 5))
    inputs["target_tokens"] = np.array([2, 3, 4, 5, 6], np.int64)
    result = model.forward([DatumArrays(tokens, inputs)], "ppo")
    expected = loss_value_and_grad("ppo", result.logprobs[0].astype(np.float64), inputs)
    assert result.metrics["loss:sum"] == pytest.approx(expected.value, rel=1e-6)
    assert result.logprobs[0].dtype == np.float32
    assert all(lp <= 0.0 for lp in result.logprobs[0])
    assert not math.isnan(result.metrics["clip_fraction:mean"])


def test_model_rejects_out_of_vocabulary_targets_and_mixed_inputs() -> None:
    """Targets outside the vocabulary and datums with different inputs are refused."""
    model = small_model()
    tokens = np.array([1, 2], np.int64)
    bad = {"target_tokens": np.array([2, 999], np.int64), "weights": np.ones(2)}
    with pytest.raises(VocabularyError, match="999"):
        model.forward([DatumArrays(tokens, bad)], "cross_entropy")
    good = {"target_tokens": np.array([2, 3], np.int64), "weights": np.ones(2)}
    with pytest.raises(LossInputError, match="unknown loss"):
        model.forward([DatumArrays(tokens, good)], "nope")
    ppo = policy_inputs(np.zeros(2), np.ones(2), np.ones(2))
    extra = {**ppo, "clip_low_threshold": np.full(2, 0.5)}
    with pytest.raises(LossInputError, match="same loss_fn_inputs"):
        model.forward([DatumArrays(tokens, ppo), DatumArrays(tokens, extra)], "ppo")


def test_empty_batch_has_zero_loss() -> None:
    """No data gives no logprobs and zero loss."""
    result = small_model().forward([], "cross_entropy")
    assert result.logprobs == []
    assert result.metrics["loss:sum"] == 0.0


def test_empty_datum_in_a_batch_gets_empty_logprobs() -> None:
    """A zero-length datum yields a zero-length logprobs array beside the others."""
    model = small_model()
    empty = DatumArrays(
        np.zeros(0, np.int64),
        {"target_tokens": np.zeros(0, np.int64), "weights": np.zeros(0)},
    )
    full = DatumArrays(
        np.array([1, 2], np.int64),
        {"target_tokens": np.array([2, 3], np.int64), "weights": np.ones(2)},
    )
    result = model.forward([empty, full, empty], "cross_entropy")
    assert [lp.shape[0] for lp in result.logprobs] == [0, 2, 0]
    assert result.metrics["loss:sum"] == pytest.approx(-float(result.logprobs[1].sum()), rel=1e-6)
