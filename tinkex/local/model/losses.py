r"""Tinker's built-in losses as functions of the per-token target log-probabilities.

Each loss returns its value and the exact gradient with respect to ``logp`` (the model's
log-probability of each target token); the network then backpropagates that gradient. Sums run
over every token of every datum in the call. ``q`` is the sampler's ``logprobs`` input, ``A`` the
``advantages`` input, ``w`` the ``weights`` input, ``r = exp(logp - q)``:

* ``cross_entropy``:       ``L = -Σ w·logp``                                ``∂L/∂logp = -w``
* ``importance_sampling``: ``L = -Σ r·A``                                   ``∂L/∂logp = -r·A``
* ``ppo``:                 ``L = -Σ min(r·A, clip(r, lo, hi)·A)``
  ``∂L/∂logp = -r·A`` where the unclipped term is the minimum (ties included), else ``0``.
* ``cispo``:               ``L = -Σ stopgrad(clip(r, lo, hi))·logp·A``
  ``∂L/∂logp = -clip(r, lo, hi)·A``
* ``dro``:                 ``L = -Σ (logp·A - ½·β·(logp - q)²)``
  ``∂L/∂logp = -(A - β·(logp - q))``

Config (``loss_fn_config``): ``ppo``/``cispo`` take ``clip_low_threshold`` (default 0.8) and
``clip_high_threshold`` (default 1.2), which may also come per token as ``loss_fn_inputs`` of the
same names; ``dro`` takes ``beta`` (default 0.05, the value Tinker's DRO docs use). Numbers may
arrive as strings. Metrics: ``loss:sum`` always; ``ppo``/``cispo`` add ``clip_fraction:mean``, the
share of tokens whose ratio lies outside ``[lo, hi]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tinkex.local.model.tokenizer import check_token_ids

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from tinkex.local.model.records import DatumArrays

__all__ = [
    "LOSS_FUNCTIONS",
    "LossEvaluation",
    "LossInputError",
    "check_batch",
    "loss_value_and_grad",
    "resolve_config",
    "validate_inputs",
]

_POLICY_INPUTS = ("target_tokens", "logprobs", "advantages")
_CLIP_INPUTS = ("clip_low_threshold", "clip_high_threshold")
_CLIP_DEFAULTS = {"clip_low_threshold": 0.8, "clip_high_threshold": 1.2}

# loss name -> (required inputs, optional inputs, config defaults)
_LOSSES: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, float]]] = {
    "cross_entropy": (("target_tokens", "weights"), (), {}),
    "importance_sampling": (_POLICY_INPUTS, (), {}),
    "ppo": (_POLICY_INPUTS, _CLIP_INPUTS, _CLIP_DEFAULTS),
    "cispo": (_POLICY_INPUTS, _CLIP_INPUTS, _CLIP_DEFAULTS),
    "dro": (_POLICY_INPUTS, (), {"beta": 0.05}),
}
LOSS_FUNCTIONS: tuple[str, ...] = tuple(_LOSSES)


class LossInputError(ValueError):
    """The loss name, its ``loss_fn_inputs`` or its ``loss_fn_config`` are unusable."""


@dataclass(frozen=True)
class LossEvaluation:
    """A loss value with its gradient.

    Attributes:
        value: The summed loss.
        grad: ``∂L/∂logp``, float64, shaped like the log-probabilities.
        metrics: ``"name:reduction"`` keys, ``loss:sum`` included.
    """

    value: float
    grad: np.ndarray
    metrics: dict[str, float]


def _spec(loss_fn: str) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, float]]:
    try:
        return _LOSSES[loss_fn]
    except KeyError:
        known = ", ".join(LOSS_FUNCTIONS)
        raise LossInputError(f"unknown loss function {loss_fn!r} (known: {known})") from None


def validate_inputs(
    loss_fn: str, tokens_shape: tuple[int, ...], inputs: Mapping[str, np.ndarray]
) -> None:
    """Check that a datum's ``loss_fn_inputs`` fit the loss.

    Args:
        loss_fn: Loss name.
        tokens_shape: Shape of the datum's model input tokens.
        inputs: The datum's ``loss_fn_inputs``.

    Raises:
        LossInputError: Unknown loss, or an input is missing, unexpected, misshaped or of a
            non-numeric dtype; the message names the input.
    """
    required, optional, _ = _spec(loss_fn)
    for name in required:
        if name not in inputs:
            raise LossInputError(f"loss {loss_fn!r} needs loss_fn_input {name!r}")
    for name, array in inputs.items():
        if name not in required and name not in optional:
            raise LossInputError(f"loss {loss_fn!r} does not take loss_fn_input {name!r}")
        if array.shape != tokens_shape:
            raise LossInputError(
                f"loss_fn_input {name!r} has shape {list(array.shape)}, "
                f"expected {list(tokens_shape)} (the model input's shape)"
            )
        kinds = "iu" if name == "target_tokens" else "iuf"
        if array.dtype.kind not in kinds:
            raise LossInputError(f"loss_fn_input {name!r} has unusable dtype {array.dtype}")


def resolve_config(loss_fn: str, config: Mapping[str, float | str] | None) -> dict[str, float]:
    """Merge a ``loss_fn_config`` over the loss's defaults.

    Args:
        loss_fn: Loss name.
        config: Caller's config, or ``None``.

    Returns:
        Every config value of the loss as a float.

    Raises:
        LossInputError: Unknown loss or key, a non-numeric value, or ``lo > hi``.
    """
    resolved = dict(_spec(loss_fn)[2])
    for key, raw in (config or {}).items():
        if key not in resolved:
            raise LossInputError(f"loss {loss_fn!r} does not take loss_fn_config key {key!r}")
        try:
            resolved[key] = float(raw)
        except ValueError:
            raise LossInputError(f"loss_fn_config {key!r} is not a number: {raw!r}") from None
    if resolved.get("clip_low_threshold", 0.0) > resolved.get("clip_high_threshold", 1.0):
        raise LossInputError("loss_fn_config clip_low_threshold exceeds clip_high_threshold")
    return resolved


def loss_value_and_grad(
    loss_fn: str,
    logprobs: np.ndarray,
    inputs: Mapping[str, np.ndarray],
    config: Mapping[str, float | str] | None = None,
) -> LossEvaluation:
    """Evaluate a loss and its gradient with respect to the target log-probabilities.

    Args:
        loss_fn: Loss name (see the module docstring for the formulas).
        logprobs: The model's target log-probabilities, any shape.
        inputs: ``loss_fn_inputs`` shaped like ``logprobs`` (``target_tokens`` is ignored).
        config: ``loss_fn_config``.

    Returns:
        The value, gradient and metrics.

    Raises:
        LossInputError: Unknown loss, bad inputs or bad config.
    """
    validate_inputs(loss_fn, logprobs.shape, inputs)
    cfg = resolve_config(loss_fn, config)
    logp = np.asarray(logprobs, dtype=np.float64)
    metrics: dict[str, float] = {}
    if loss_fn == "cross_entropy":
        weights = inputs["weights"].astype(np.float64)
        terms, grad = -weights * logp, -weights
    else:
        adv = inputs["advantages"].astype(np.float64)
        delta = logp - inputs["logprobs"].astype(np.float64)
        ratio = np.exp(delta)
        if loss_fn == "importance_sampling":
            terms, grad = -ratio * adv, -ratio * adv
        elif loss_fn == "dro":
            beta = cfg["beta"]
            terms = -(logp * adv - 0.5 * beta * delta**2)
            grad = -(adv - beta * delta)
        else:
            low = _per_token(inputs, cfg, "clip_low_threshold", logp.shape)
            high = _per_token(inputs, cfg, "clip_high_threshold", logp.shape)
            clipped = np.clip(ratio, low, high)
            outside = (ratio < low) | (ratio > high)
            metrics["clip_fraction:mean"] = float(outside.mean()) if outside.size else 0.0
            if loss_fn == "ppo":
                unclipped_obj, clipped_obj = ratio * adv, clipped * adv
                terms = -np.minimum(unclipped_obj, clipped_obj)
                grad = np.where(unclipped_obj <= clipped_obj, -ratio * adv, 0.0)
            else:
                terms, grad = -clipped * logp * adv, -clipped * adv
    metrics["loss:sum"] = float(terms.sum())
    return LossEvaluation(value=metrics["loss:sum"], grad=grad, metrics=metrics)


def _per_token(
    inputs: Mapping[str, np.ndarray], cfg: Mapping[str, float], name: str, shape: tuple[int, ...]
) -> np.ndarray:
    # Per-token thresholds (a Tinker Datum may carry them) win over the scalar config.
    if name in inputs:
        return inputs[name].astype(np.float64)
    return np.full(shape, cfg[name], dtype=np.float64)


def check_batch(data: Sequence[DatumArrays], loss_fn: str) -> list[str]:
    """Validate every datum of one call for a loss.

    Args:
        data: The examples.
        loss_fn: Loss name.

    Returns:
        The (shared, sorted) ``loss_fn_inputs`` names.

    Raises:
        LossInputError: Bad tokens array, bad inputs, or datums with different input names.
        VocabularyError: A token or target id is outside the vocabulary.
    """
    keys: list[str] | None = None
    for datum in data:
        if datum.tokens.ndim != 1 or datum.tokens.dtype.kind not in "iu":
            raise LossInputError("model input tokens must be a 1-D integer array")
        check_token_ids(datum.tokens)
        validate_inputs(loss_fn, datum.tokens.shape, datum.loss_fn_inputs)
        check_token_ids(datum.loss_fn_inputs["target_tokens"])
        if keys is None:
            keys = sorted(datum.loss_fn_inputs)
        elif keys != sorted(datum.loss_fn_inputs):
            raise LossInputError("every datum in one call must carry the same loss_fn_inputs")
    return keys or []
