"""Public regularizers: named, weighted penalties added to a custom loss (Tinkex ``Regularizer``).

Two ways to use them:

- Training: ``training.forward_backward_custom(data, compose(base, [l1(0.01), entropy(0.1)]))``
  (`compose` folds them into one custom loss; their values appear in the metrics).
- Inspection, offline: `RegularizerPipeline.compute` evaluates a base loss and regularizers
  on given logprobs and returns a structured, JSON-encodable `CustomLossOutput` (per-term
  value, weight, contribution and optional gradient norms), like Tinkex's ``Pipeline.compute``.

```python
output = RegularizerPipeline.compute(data, logprobs, nll, [l1(0.01), l2(0.001)],
                                     track_grad_norms=True)
print(output.loss_total, output.regularizers["l1"].contribution)
```

A regularizer's ``fn(data, logprobs)`` returns its value and its gradient with respect to
each datum's logprobs (numpy); the built-ins below see only target-token logprobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from tinkex.domain.custom_loss import CustomLossFn, FloatArray, run_custom_loss, validate_gradients
from tinkex.domain.regularizers import (
    Regularizer,
    RegularizerFn,
    compose,
    entropy,
    kl_to_reference,
    l1,
    l2,
)
from tinkex.errors import TinkexError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

__all__ = [
    "BaseLossOutput",
    "CustomLossFn",
    "CustomLossOutput",
    "Regularizer",
    "RegularizerError",
    "RegularizerFn",
    "RegularizerOutput",
    "RegularizerPipeline",
    "compose",
    "elastic_net",
    "entropy",
    "grad_norm",
    "kl_to_reference",
    "l1",
    "l2",
]


class RegularizerError(TinkexError):
    """A regularizer raised while being computed.

    Attributes:
        name: The regularizer's name (``__cause__`` is its exception).
    """

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name


class _Out(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    pass


class RegularizerOutput(_Out, frozen=True, kw_only=True):
    """One regularizer's share of the loss.

    Attributes:
        name: Its name.
        value: Unweighted value.
        weight: Its weight.
        contribution: ``weight * value``, the amount added to the loss.
        grad_norm: L2 norm of its unweighted gradient (when tracked).
        grad_norm_weighted: ``weight * grad_norm`` (when tracked).
    """

    name: str
    value: float
    weight: float
    contribution: float
    grad_norm: float | None = None
    grad_norm_weighted: float | None = None


class BaseLossOutput(_Out, frozen=True, kw_only=True):
    """The base loss's share.

    Attributes:
        value: Its value.
        grad_norm: L2 norm of its gradient (when tracked).
        custom: The metrics it returned.
    """

    value: float
    grad_norm: float | None = None
    custom: dict[str, float] = msgspec.field(default_factory=dict)


class CustomLossOutput(_Out, frozen=True, kw_only=True):
    """A composed loss, term by term (encode with ``msgspec.json.encode``; None fields omitted).

    Attributes:
        loss_total: ``base + regularizer_total``.
        base_loss: The base loss's value, metrics and gradient norm.
        regularizers: Each regularizer's output, by name, in the order given.
        regularizer_total: Sum of the contributions.
        total_grad_norm: L2 norm of the total gradient (when tracked).
    """

    loss_total: float
    base_loss: BaseLossOutput
    regularizers: dict[str, RegularizerOutput]
    regularizer_total: float
    total_grad_norm: float | None = None


def grad_norm(grads: Sequence[npt.NDArray[Any]]) -> float:
    """L2 norm of per-datum gradients taken together (Tinkex ``GradientTracker``)."""
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))


class RegularizerPipeline:
    """Evaluate a base loss plus regularizers and report every term."""

    @staticmethod
    def compute(
        data: list[Any],
        logprobs: Sequence[npt.NDArray[Any]],
        base_loss: CustomLossFn[Any],
        regularizers: Sequence[Regularizer[Any]] = (),
        *,
        track_grad_norms: bool = False,
    ) -> CustomLossOutput:
        """Compute ``base + sum(weight * value)`` term by term.

        Args:
            data: The datums (passed to every function).
            logprobs: Each datum's target logprobs.
            base_loss: ``fn(data, logprobs) -> (value, grads, metrics)``.
            regularizers: Penalties with unique names.
            track_grad_norms: Also report gradient L2 norms.

        Returns:
            The structured output.

        Raises:
            ValidationError: `base_loss` is not callable, names repeat, or a function returned
                bad values or gradients.
            RegularizerError: A regularizer raised (chained as ``__cause__``).
        """
        if not callable(base_loss):
            raise ValidationError("must be callable", field="base_loss")
        names = [reg.name for reg in regularizers]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValidationError(f"duplicate regularizer names {repeated}", field="regularizers")
        arrays: list[FloatArray] = [np.asarray(lp, dtype=np.float64) for lp in logprobs]
        base = run_custom_loss(base_loss, data, arrays)
        total_grads = [g.copy() for g in base.grads]
        outputs: dict[str, RegularizerOutput] = {}
        for reg in regularizers:
            try:
                value, grads = reg.fn(data, arrays)
            except Exception as exc:
                raise RegularizerError(
                    f"regularizer {reg.name!r} failed: {exc}", name=reg.name
                ) from exc
            checked = validate_gradients(grads, arrays)
            for acc, grad in zip(total_grads, checked, strict=True):
                acc += reg.weight * grad
            norm = grad_norm(checked) if track_grad_norms else None
            outputs[reg.name] = RegularizerOutput(
                name=reg.name,
                value=float(value),
                weight=reg.weight,
                contribution=reg.weight * float(value),
                grad_norm=norm,
                grad_norm_weighted=None if norm is None else reg.weight * norm,
            )
        reg_total = sum(out.contribution for out in outputs.values())
        return CustomLossOutput(
            loss_total=base.loss + reg_total,
            base_loss=BaseLossOutput(
                value=base.loss,
                grad_norm=grad_norm(base.grads) if track_grad_norms else None,
                custom=base.metrics,
            ),
            regularizers=outputs,
            regularizer_total=reg_total,
            total_grad_norm=grad_norm(total_grads) if track_grad_norms else None,
        )


def elastic_net(
    weight: float = 1.0, *, l1_ratio: float = 0.5, name: str = "elastic_net"
) -> Regularizer[Any]:
    """``l1_ratio * L1 + (1 - l1_ratio) * L2`` of the logprobs.

    Raises:
        ValidationError: `l1_ratio` outside [0, 1].
    """
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValidationError(f"must be in [0, 1], got {l1_ratio}", field="l1_ratio")
    l1_fn, l2_fn = l1().fn, l2().fn

    def fn(data: list[Any], logprobs: list[FloatArray]) -> tuple[float, list[npt.NDArray[Any]]]:
        v1, g1 = l1_fn(data, logprobs)
        v2, g2 = l2_fn(data, logprobs)
        grads = [l1_ratio * a + (1 - l1_ratio) * b for a, b in zip(g1, g2, strict=True)]
        return l1_ratio * v1 + (1 - l1_ratio) * v2, grads

    return Regularizer(name, fn, weight)
