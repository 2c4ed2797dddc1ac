"""Tests for regularizer composition, checked against finite differences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from tinkex.domain.custom_loss import CustomLossFn, FloatArray, run_custom_loss
from tinkex.domain.custom_loss_inputs import loss_input
from tinkex.domain.regularizers import Regularizer, compose, entropy, kl_to_reference, l1, l2
from tinkex.errors import ValidationError


@dataclass
class FakeDatum:
    loss_fn_inputs: dict[str, Any] = field(default_factory=dict)


def _base(
    data: list[FakeDatum], logprobs: list[FloatArray]
) -> tuple[float, list[FloatArray], dict[str, float]]:
    """Weighted negative log-likelihood: sum(-w * logp)."""
    weights = [loss_input(d, "weights") for d in data]
    value = float(sum((-w * lp).sum() for w, lp in zip(weights, logprobs, strict=True)))
    return value, [-w for w in weights], {"nll:sum": value}


def _batch(seed: int) -> tuple[list[FakeDatum], list[FloatArray]]:
    rng = np.random.default_rng(seed)
    data: list[FakeDatum] = []
    logprobs: list[FloatArray] = []
    for length in (3, 1, 4):
        logprob = -rng.uniform(0.1, 3.0, size=length)
        data.append(
            FakeDatum(
                {
                    "weights": rng.uniform(0.0, 1.0, size=length),
                    "ref_logprobs": logprob + rng.normal(0.0, 0.3, size=length),
                }
            )
        )
        logprobs.append(logprob)
    return data, logprobs


def _loss_at(
    fn: CustomLossFn[FakeDatum], data: list[FakeDatum], logprobs: list[FloatArray]
) -> float:
    return run_custom_loss(fn, data, logprobs).loss


def _assert_gradients_match_finite_differences(
    fn: CustomLossFn[FakeDatum], data: list[FakeDatum], logprobs: list[FloatArray]
) -> None:
    analytic = run_custom_loss(fn, data, logprobs).grads
    eps = 1e-6
    for d, logprob in enumerate(logprobs):
        for i in range(logprob.size):
            plus = [lp.copy() for lp in logprobs]
            minus = [lp.copy() for lp in logprobs]
            plus[d][i] += eps
            minus[d][i] -= eps
            numeric = (_loss_at(fn, data, plus) - _loss_at(fn, data, minus)) / (2 * eps)
            assert numeric == pytest.approx(analytic[d][i], rel=1e-4, abs=1e-6), (d, i)


@pytest.mark.parametrize(
    "regularizer",
    [
        l1(0.3),
        l2(0.7, center=-1.0),
        entropy(2.0),
        entropy(0.5, mode="maximize"),
        kl_to_reference(weight=1.5, estimator="k1"),
        kl_to_reference(weight=1.5, estimator="k2"),
        kl_to_reference(weight=1.5, estimator="k3"),
    ],
    ids=["l1", "l2", "entropy-min", "entropy-max", "kl-k1", "kl-k2", "kl-k3"],
)
def test_each_builtin_gradient_matches_finite_differences(regularizer: Regularizer[Any]) -> None:
    data, logprobs = _batch(seed=1)
    _assert_gradients_match_finite_differences(compose(_base, [regularizer]), data, logprobs)


@pytest.mark.parametrize("seed", [0, 7])
def test_full_composition_gradient_matches_finite_differences(seed: int) -> None:
    data, logprobs = _batch(seed)
    composed = compose(
        _base, [l1(0.1), l2(0.2), entropy(0.3), kl_to_reference(weight=0.4, name="kl/ref")]
    )
    _assert_gradients_match_finite_differences(composed, data, logprobs)


def test_total_is_base_plus_weighted_values_with_per_regularizer_metrics() -> None:
    data, logprobs = _batch(seed=3)
    regs = [l2(0.5), kl_to_reference(weight=2.0)]
    result = run_custom_loss(compose(_base, regs), data, logprobs)
    base = run_custom_loss(_base, data, logprobs)
    raws = [r.fn(data, logprobs)[0] for r in regs]
    m = result.metrics
    assert m["reg/l2/raw:sum"] == pytest.approx(raws[0])
    assert m["reg/l2:sum"] == pytest.approx(0.5 * raws[0])
    assert m["reg/kl:sum"] == pytest.approx(2.0 * raws[1])
    assert m["reg_total:sum"] == pytest.approx(0.5 * raws[0] + 2.0 * raws[1])
    assert m["base_loss:sum"] == pytest.approx(base.loss)
    assert m["nll:sum"] == pytest.approx(base.loss)
    assert result.loss == pytest.approx(base.loss + m["reg_total:sum"])
    flat = np.concatenate(result.grads)
    assert m["grad_norm/total:mean"] == pytest.approx(float(np.linalg.norm(flat)))
    assert m["grad_norm/base:mean"] == pytest.approx(
        float(np.linalg.norm(np.concatenate(base.grads)))
    )
    l2_grads = np.concatenate([2.0 * lp for lp in logprobs])
    assert m["reg/l2/grad_norm:mean"] == pytest.approx(0.5 * float(np.linalg.norm(l2_grads)))


def test_grad_norm_tracking_can_be_turned_off() -> None:
    data, logprobs = _batch(seed=3)
    metrics = run_custom_loss(
        compose(_base, [l1()], track_grad_norms=False), data, logprobs
    ).metrics
    assert not any("grad_norm" in key for key in metrics)


def test_kl_k3_is_zero_at_the_reference_and_positive_elsewhere() -> None:
    logprobs = [np.array([-1.0, -2.0])]
    same = [FakeDatum({"ref_logprobs": logprobs[0].copy()})]
    other = [FakeDatum({"ref_logprobs": np.array([-1.5, -1.0])})]
    kl = kl_to_reference()
    assert kl.fn(same, logprobs)[0] == pytest.approx(0.0)
    assert kl.fn(other, logprobs)[0] > 0


def test_kl_accepts_a_reference_function_and_checks_shapes() -> None:
    logprobs = [np.array([-1.0, -2.0])]
    by_fn = kl_to_reference(lambda data: [np.array([-1.0, -2.0])])
    assert by_fn.fn([FakeDatum()], logprobs)[0] == pytest.approx(0.0)
    wrong = kl_to_reference(lambda data: [np.array([-1.0])])
    with pytest.raises(ValidationError) as info:
        wrong.fn([FakeDatum()], logprobs)
    assert info.value.field == "reference[0]"


def test_entropy_maximize_is_the_negated_penalty() -> None:
    data, logprobs = _batch(seed=5)
    assert entropy(mode="maximize").fn(data, logprobs)[0] == pytest.approx(
        -entropy().fn(data, logprobs)[0]
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "has:colon"}, "name"),
        ({"name": "x", "weight": -1.0}, "weight"),
        ({"name": "x", "weight": float("nan")}, "weight"),
    ],
)
def test_regularizer_specs_are_validated(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Regularizer(fn=lambda data, lps: (0.0, lps), **kwargs)
    assert info.value.field == field


def test_duplicate_names_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate"):
        compose(_base, [l1(), l1()])


def test_a_regularizer_with_bad_gradients_is_rejected_when_run() -> None:
    data, logprobs = _batch(seed=2)
    bad: Regularizer[Any] = Regularizer("bad", lambda d, lps: (1.0, lps[:1]))
    with pytest.raises(ValidationError) as info:
        run_custom_loss(compose(_base, [bad]), data, logprobs)
    assert info.value.field == "grads"
