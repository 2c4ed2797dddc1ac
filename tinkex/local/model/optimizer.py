"""AdamW over the LoRA parameters, as Tinker's ``AdamParams`` describe it.

One step, with ``g`` the accumulated gradient and ``t`` the step count after incrementing::

    n  = ‖g‖₂ over all parameters
    g  = g · grad_clip_norm / n     only if grad_clip_norm > 0 and n > grad_clip_norm
    m  = β1·m + (1-β1)·g            v = β2·v + (1-β2)·g²
    m̂  = m / (1-β1ᵗ)                v̂ = v / (1-β2ᵗ)
    p  = p·(1 - lr·weight_decay) - lr·m̂ / (√v̂ + eps)      (decoupled decay, as torch.optim.AdamW)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tinkex.local.model.records import AdamSettings

__all__ = ["AdamState"]


class AdamState:
    """First/second moments and the step count of AdamW.

    Attributes:
        m: First moments by parameter name.
        v: Second moments by parameter name.
        step: Number of steps taken.
    """

    def __init__(
        self,
        m: dict[str, np.ndarray] | None = None,
        v: dict[str, np.ndarray] | None = None,
        step: int = 0,
    ) -> None:
        self.m = m if m is not None else {}
        self.v = v if v is not None else {}
        self.step = step

    def apply(
        self,
        params: dict[str, np.ndarray],
        grads: dict[str, np.ndarray],
        settings: AdamSettings,
    ) -> dict[str, float]:
        """Take one AdamW step, replacing the arrays in ``params``.

        Args:
            params: Parameters, updated in place (entries are replaced).
            grads: Gradients keyed like ``params``.
            settings: Hyperparameters.

        Returns:
            ``grad_norm:mean`` (before clipping) and ``learning_rate:mean``.
        """
        norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
        factor = 1.0
        if settings.grad_clip_norm > 0.0 and norm > settings.grad_clip_norm:
            factor = settings.grad_clip_norm / norm
        self.step += 1
        b1, b2, lr = settings.beta1, settings.beta2, settings.learning_rate
        correction1 = 1.0 - b1**self.step
        correction2 = 1.0 - b2**self.step
        for name, param in params.items():
            g = grads[name] * factor
            m = b1 * self.m.get(name, np.zeros_like(param)) + (1.0 - b1) * g
            v = b2 * self.v.get(name, np.zeros_like(param)) + (1.0 - b2) * g * g
            self.m[name], self.v[name] = m, v
            update = (m / correction1) / (np.sqrt(v / correction2) + settings.eps)
            params[name] = param * (1.0 - lr * settings.weight_decay) - lr * update
        return {"grad_norm:mean": norm, "learning_rate:mean": float(lr)}
