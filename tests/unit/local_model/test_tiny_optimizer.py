"""AdamW steps against updates worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tinkex.local.model import AdamSettings, DatumArrays, LoraSpec, NetworkShape, TinyModel
from tinkex.local.model.optimizer import AdamState


def test_one_step_uses_every_setting() -> None:
    """Clipping, both betas, eps, bias correction and decoupled decay give the hand result."""
    params = {"p": np.array([1.0, -2.0])}
    grads = {"p": np.array([0.3, -0.4])}  # norm 0.5, clipped to 0.25 -> g = [0.15, -0.2]
    settings = AdamSettings(
        learning_rate=0.1, beta1=0.8, beta2=0.9, eps=0.01, weight_decay=0.5, grad_clip_norm=0.25
    )
    state = AdamState()
    metrics = state.apply(params, grads, settings)
    # m = 0.2·g, v = 0.1·g²; m̂ = g, √v̂ = |g|; update = g / (|g| + 0.01)
    # p = p·(1 - 0.1·0.5) - 0.1·update
    expected = [1.0 * 0.95 - 0.1 * (0.15 / 0.16), -2.0 * 0.95 - 0.1 * (-0.2 / 0.21)]
    np.testing.assert_allclose(params["p"], expected, rtol=1e-12)
    np.testing.assert_allclose(params["p"], [0.85625, -1.8047619047619], rtol=1e-12)
    np.testing.assert_allclose(state.m["p"], [0.03, -0.04], rtol=1e-12)
    np.testing.assert_allclose(state.v["p"], [0.00225, 0.004], rtol=1e-12)
    assert state.step == 1
    assert metrics == {"grad_norm:mean": pytest.approx(0.5), "learning_rate:mean": 0.1}


def test_second_step_applies_bias_correction_of_step_two() -> None:
    """With β1 = β2 = 0.5 the second step divides by 1 - 0.5² = 0.75."""
    params = {"p": np.array([0.0])}
    settings = AdamSettings(learning_rate=1.0, beta1=0.5, beta2=0.5, eps=0.0)
    state = AdamState()
    state.apply(params, {"p": np.array([1.0])}, settings)
    assert params["p"][0] == pytest.approx(-1.0)
    state.apply(params, {"p": np.array([-1.0])}, settings)
    # m = -0.25, v = 0.75 -> m̂ = -1/3, v̂ = 1
    assert params["p"][0] == pytest.approx(-1.0 + 1.0 / 3.0)


def test_clipping_is_off_at_zero_and_below_the_threshold() -> None:
    """grad_clip_norm 0 disables clipping; a norm under the threshold is left alone."""
    for clip in (0.0, 10.0):
        params = {"p": np.array([0.0, 0.0])}
        state = AdamState()
        state.apply(params, {"p": np.array([3.0, 4.0])}, AdamSettings(grad_clip_norm=clip))
        np.testing.assert_allclose(state.m["p"], [0.3, 0.4])


def test_weight_decay_shrinks_parameters_without_gradient() -> None:
    """Decoupled decay multiplies by 1 - lr·wd even when the gradient is zero."""
    params = {"p": np.array([2.0])}
    AdamState().apply(
        params, {"p": np.array([0.0])}, AdamSettings(learning_rate=0.1, weight_decay=0.2)
    )
    assert params["p"][0] == pytest.approx(2.0 * (1 - 0.02))


def test_model_step_moves_only_adapters_with_gradient_and_signs_first_update() -> None:
    """A first Adam step moves each B entry by -lr·g/(|g|+eps) ≈ -lr·sign(g); A stays."""
    shape = NetworkShape(embed_dim=8, window=3, attn_dim=4, hidden=8)
    model = TinyModel.create("opt-test", LoraSpec(rank=2, train_attn=False), shape=shape)
    before = model.trainable_parameters()
    tokens = np.array([104, 105, 33], np.int64)
    datum = DatumArrays(tokens, {"target_tokens": np.array([105, 33, 10]), "weights": np.ones(3)})
    model.forward_backward([datum], "cross_entropy")
    grads = model.accumulated_gradients()
    metrics = model.optim_step(AdamSettings(learning_rate=0.01))
    after = model.trainable_parameters()
    assert set(after) == {f"{m}.lora_{p}" for m in ("w1", "w2", "unembed") for p in "ab"}
    for name, value in after.items():
        if name.endswith("lora_a"):
            np.testing.assert_array_equal(value, before[name])  # B = 0 so dL/dA = 0
        else:
            g = grads[name]
            np.testing.assert_allclose(value, -0.01 * g / (np.abs(g) + 1e-12), atol=1e-12)
    assert metrics["grad_norm:mean"] > 0.0
