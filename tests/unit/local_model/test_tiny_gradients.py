"""Analytic LoRA gradients agree with central finite differences for every loss."""

from __future__ import annotations

import numpy as np
import pytest

from tinkex.local.model import (
    LOSS_FUNCTIONS,
    AdamSettings,
    DatumArrays,
    LoraSpec,
    NetworkShape,
    TinyModel,
)
from tinkex.local.model import model as model_module

SHAPE = NetworkShape(embed_dim=6, window=3, attn_dim=4, hidden=5)
SPEC = LoraSpec(rank=2, seed=7)
STEP = 1e-6


def perturbed_model(params: dict[str, np.ndarray]) -> TinyModel:
    model = TinyModel.create("gradcheck", SPEC, shape=SHAPE)
    model.set_trainable_parameters(params)
    return model


def random_params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    # B must be non-zero, otherwise every gradient of A vanishes and the check proves nothing.
    fresh = TinyModel.create("gradcheck", SPEC, shape=SHAPE).trainable_parameters()
    return {k: rng.standard_normal(v.shape) * 0.5 for k, v in fresh.items()}


def batch_for(loss: str, params: dict[str, np.ndarray]) -> list[DatumArrays]:
    rng = np.random.default_rng(11)
    data = []
    for length in (5, 3):
        tokens = rng.integers(0, 258, length)
        targets = rng.integers(0, 258, length)
        probe = DatumArrays(tokens, {"target_tokens": targets, "weights": np.ones(length)})
        logp = perturbed_model(params).forward([probe], "cross_entropy").logprobs[0]
        if loss == "cross_entropy":
            inputs = {"target_tokens": targets, "weights": rng.uniform(0.2, 1.5, length)}
        else:
            # Ratios well inside or outside the clip range, so no finite difference crosses a
            # kink; cispo's stop-gradient only equals the true derivative where clip(r) is flat.
            choices = [0.5, 2.0] if loss == "cispo" else [0.5, 1.0, 1.6, 2.0]
            ratios = rng.choice(choices, length)
            inputs = {
                "target_tokens": targets,
                "logprobs": logp.astype(np.float64) - np.log(ratios),
                "advantages": rng.standard_normal(length),
            }
        data.append(DatumArrays(tokens, inputs))
    return data


@pytest.mark.parametrize("loss", LOSS_FUNCTIONS)
def test_lora_gradients_match_finite_differences(loss: str) -> None:
    """Relative error between backprop and central differences stays below 1e-4."""
    params = random_params(np.random.default_rng(3))
    data = batch_for(loss, params)
    model = perturbed_model(params)
    model.forward_backward(data, loss)
    analytic = model.accumulated_gradients()
    probe = perturbed_model(params)
    pick = np.random.default_rng(4)
    for name, value in params.items():
        # Every entry of the small matrices; 64 random entries of the wide unembedding B.
        flat = np.arange(value.size)
        if value.size > 64:
            flat = pick.choice(value.size, 64, replace=False)
        numeric = np.zeros(flat.shape[0])
        for j, index in enumerate(flat):
            for sign in (1.0, -1.0):
                shifted = dict(params)
                shifted[name] = value.copy()
                shifted[name].flat[index] += sign * STEP
                probe.set_trainable_parameters(shifted)
                numeric[j] += sign * probe.forward(data, loss).metrics["loss:sum"] / (2 * STEP)
        exact = analytic[name].flat[flat]
        scale = np.linalg.norm(numeric) + np.linalg.norm(exact)
        assert scale > 0.0, name
        assert np.linalg.norm(numeric - exact) / scale < 1e-4, name


def test_gradients_accumulate_across_calls_until_optim_step() -> None:
    """Two forward_backward calls sum their gradients; optim_step clears them."""
    params = random_params(np.random.default_rng(5))
    data = batch_for("cross_entropy", params)
    once = perturbed_model(params)
    once.forward_backward(data, "cross_entropy")
    twice = perturbed_model(params)
    twice.forward_backward(data[:1], "cross_entropy")
    twice.forward_backward(data[1:], "cross_entropy")
    for name, grad in once.accumulated_gradients().items():
        np.testing.assert_allclose(twice.accumulated_gradients()[name], grad, rtol=1e-10)
    before = twice.accumulated_gradients()
    twice.forward(data, "cross_entropy")
    for name, grad in before.items():
        np.testing.assert_array_equal(twice.accumulated_gradients()[name], grad)
    twice.optim_step(AdamSettings(learning_rate=1e-3))
    assert all(not g.any() for g in twice.accumulated_gradients().values())


def test_chunked_batches_give_the_same_logprobs_and_gradients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Splitting positions into chunks changes neither outputs nor gradients."""
    params = random_params(np.random.default_rng(8))
    data = batch_for("ppo", params)
    whole = perturbed_model(params)
    whole_result = whole.forward_backward(data, "ppo")
    monkeypatch.setattr(model_module, "_CHUNK", 3)
    chunked = perturbed_model(params)
    chunked_result = chunked.forward_backward(data, "ppo")
    for a, b in zip(whole_result.logprobs, chunked_result.logprobs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert chunked_result.metrics == pytest.approx(whole_result.metrics)
    for name, grad in whole.accumulated_gradients().items():
        np.testing.assert_allclose(chunked.accumulated_gradients()[name], grad, rtol=1e-9)
