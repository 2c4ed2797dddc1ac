"""Regularizer composition for client-side custom losses, in numpy.

A `Regularizer` is a named, weighted penalty on the per-datum target logprobs:
``fn(data, logprobs) -> (value, d value / d logprobs per datum)``. `compose` folds a base
`CustomLossFn` and any number of regularizers into one `CustomLossFn` whose loss is
``base + sum(weight * value)`` and whose gradient is the matching weighted sum, so it plugs
straight into forward_backward_custom.

Metrics added per regularizer ``<name>`` (keys keep the ``name:reduction`` shape the rest of
the SDK expects): ``reg/<name>:sum`` (its contribution, weight * value), ``reg/<name>/raw:sum``
(the unweighted value) and, when gradient tracking is on, ``reg/<name>/grad_norm:mean`` (L2
norm of its weighted gradient over all datums); plus ``base_loss:sum``, ``reg_total:sum`` and
``grad_norm/base:mean`` / ``grad_norm/total:mean``.

The built-ins only see target-token logprobs (not whole distributions), so ``entropy`` is the
usual sampled-token proxy and ``kl_to_reference`` uses the standard per-token estimators
against reference logprobs carried by each datum (or supplied by a function).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from tinkex.domain.custom_loss import (
    CustomLossFn,
    FloatArray,
    run_custom_loss,
    validate_gradients,
)
from tinkex.domain.custom_loss_inputs import loss_input
from tinkex.errors import ValidationError

__all__ = [
    "Regularizer",
    "RegularizerFn",
    "compose",
    "entropy",
    "kl_to_reference",
    "l1",
    "l2",
]

D = TypeVar("D")

RegularizerFn = Callable[[list[D], list[FloatArray]], tuple[float, Sequence[npt.NDArray[Any]]]]
"""``fn(data, logprobs) -> (value, d value / d logprobs per datum)``."""

_F64 = npt.NDArray[np.float64]

_NAME = re.compile(r"^[A-Za-z0-9_.\-/]{1,64}$")


@dataclass(frozen=True, slots=True)
class Regularizer(Generic[D]):
    """A named, weighted penalty added to a custom loss.

    Attributes:
        name: Unique name; appears in metric keys, so letters, digits and ``_.-/`` only.
        fn: Computes the value and its gradient with respect to each datum's logprobs.
        weight: Non-negative multiplier of the value.
    """

    name: str
    fn: RegularizerFn[D]
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValidationError(
                f"{self.name!r} must be 1-64 letters, digits or _.-/ (it becomes a metric key)",
                field="name",
            )
        if not (np.isfinite(self.weight) and self.weight >= 0):
            raise ValidationError(f"must be finite and >= 0, got {self.weight}", field="weight")


def compose(
    base: CustomLossFn[D],
    regularizers: Sequence[Regularizer[D]],
    *,
    track_grad_norms: bool = True,
) -> CustomLossFn[D]:
    """Combine a base loss with regularizers into one custom loss.

    Args:
        base: The base loss.
        regularizers: Penalties to add, with unique names.
        track_grad_norms: Report gradient L2 norms in the metrics.

    Returns:
        A loss returning ``base + sum(weight * value)``, the summed gradients, and the base
        loss's metrics plus the per-regularizer metrics (see the module docstring).

    Raises:
        ValidationError: Duplicate names (now), or a regularizer returning bad gradients
            (when the composed loss runs).
    """
    names = [reg.name for reg in regularizers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValidationError(f"duplicate regularizer names {duplicates}", field="regularizers")

    def composed(
        data: list[D], logprobs: list[FloatArray]
    ) -> tuple[float, list[FloatArray], dict[str, float]]:
        result = run_custom_loss(base, data, logprobs)
        total = result.loss
        grads = [g.copy() for g in result.grads]
        metrics = dict(result.metrics)
        reg_total = 0.0
        for reg in regularizers:
            value, reg_grads = reg.fn(data, logprobs)
            checked = validate_gradients(reg_grads, logprobs)
            contribution = reg.weight * float(value)
            reg_total += contribution
            for acc, grad in zip(grads, checked, strict=True):
                acc += reg.weight * grad
            metrics[f"reg/{reg.name}:sum"] = contribution
            metrics[f"reg/{reg.name}/raw:sum"] = float(value)
            if track_grad_norms:
                metrics[f"reg/{reg.name}/grad_norm:mean"] = reg.weight * _norm(checked)
        total += reg_total
        metrics["base_loss:sum"] = result.loss
        metrics["reg_total:sum"] = reg_total
        if track_grad_norms:
            metrics["grad_norm/base:mean"] = _norm(result.grads)
            metrics["grad_norm/total:mean"] = _norm(grads)
        return total, grads, metrics

    return composed


def _norm(grads: Sequence[FloatArray]) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


def _f64(logprobs: Sequence[FloatArray]) -> list[_F64]:
    return [np.asarray(lp, dtype=np.float64) for lp in logprobs]


def _token_count(logprobs: Sequence[FloatArray]) -> int:
    return max(1, sum(int(np.size(lp)) for lp in logprobs))


def l1(weight: float = 1.0, *, name: str = "l1") -> Regularizer[Any]:
    """Sum of absolute logprobs (pushes sampled tokens toward certainty, sparsely).

    Args:
        weight: Multiplier.
        name: Metric name.

    Returns:
        The regularizer (subgradient 0 at exactly 0).
    """

    def fn(data: list[Any], logprobs: list[FloatArray]) -> tuple[float, list[_F64]]:
        values = _f64(logprobs)
        return float(sum(np.abs(v).sum() for v in values)), [np.sign(v) for v in values]

    return Regularizer(name, fn, weight)


def l2(weight: float = 1.0, *, center: float = 0.0, name: str = "l2") -> Regularizer[Any]:
    """Sum of squared distances of the logprobs from `center`.

    Args:
        weight: Multiplier.
        center: The value logprobs are pulled toward.
        name: Metric name.

    Returns:
        The regularizer.
    """

    def fn(data: list[Any], logprobs: list[FloatArray]) -> tuple[float, list[_F64]]:
        diffs = [v - center for v in _f64(logprobs)]
        return float(sum(np.square(d).sum() for d in diffs)), [2.0 * d for d in diffs]

    return Regularizer(name, fn, weight)


def entropy(
    weight: float = 1.0,
    *,
    mode: Literal["minimize", "maximize"] = "minimize",
    name: str = "entropy",
) -> Regularizer[Any]:
    """Per-token entropy proxy ``mean(-p * logp)`` over the target tokens (``p = exp(logp)``).

    Args:
        weight: Multiplier.
        mode: ``minimize`` penalizes the proxy; ``maximize`` rewards it (an exploration bonus).
        name: Metric name.

    Returns:
        The regularizer.
    """
    sign = 1.0 if mode == "minimize" else -1.0

    def fn(data: list[Any], logprobs: list[FloatArray]) -> tuple[float, list[_F64]]:
        values = _f64(logprobs)
        n = _token_count(values)
        total = sum(float((-np.exp(v) * v).sum()) for v in values)
        grads = [sign * (-np.exp(v) * (v + 1.0)) / n for v in values]
        return sign * total / n, grads

    return Regularizer(name, fn, weight)


def kl_to_reference(
    reference: str | Callable[[list[Any]], Sequence[npt.NDArray[Any]]] = "ref_logprobs",
    weight: float = 1.0,
    *,
    estimator: Literal["k1", "k2", "k3"] = "k3",
    name: str = "kl",
) -> Regularizer[Any]:
    """Mean per-token KL(policy || reference) estimate from sampled-token logprobs.

    With ``d = logp - ref``: ``k1 = d``, ``k2 = d**2 / 2``, ``k3 = exp(-d) - 1 + d`` (unbiased
    and always >= 0).

    Args:
        reference: A ``loss_fn_inputs`` key holding each datum's reference logprobs (kept on
            the client: forward_backward_custom sends only target_tokens and weights), or a
            function returning them for the batch.
        weight: Multiplier.
        estimator: Which per-token estimator.
        name: Metric name.

    Returns:
        The regularizer; running it raises ValidationError if reference shapes differ.
    """

    def refs(data: list[Any]) -> Sequence[npt.NDArray[Any]]:
        if isinstance(reference, str):
            return [loss_input(datum, reference) for datum in data]
        return reference(data)

    def fn(data: list[Any], logprobs: list[FloatArray]) -> tuple[float, list[_F64]]:
        values = _f64(logprobs)
        references = [np.asarray(r, dtype=np.float64) for r in refs(data)]
        if len(references) != len(values):
            raise ValidationError(
                f"got {len(references)} reference arrays for {len(values)} datums",
                field="reference",
            )
        n = _token_count(values)
        total = 0.0
        grads: list[_F64] = []
        for index, (v, r) in enumerate(zip(values, references, strict=True)):
            if r.shape != v.shape:
                raise ValidationError(
                    f"shape {r.shape} does not match logprobs shape {v.shape}",
                    field=f"reference[{index}]",
                )
            d = v - r
            if estimator == "k1":
                total, grad = total + float(d.sum()), np.ones_like(d)
            elif estimator == "k2":
                total, grad = total + float((0.5 * d * d).sum()), d
            else:
                total, grad = total + float((np.exp(-d) - 1.0 + d).sum()), 1.0 - np.exp(-d)
            grads.append(grad / n)
        return total / n, grads

    return Regularizer(name, fn, weight)
