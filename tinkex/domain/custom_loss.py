"""Client-side custom losses: the math between the two server passes of forward_backward_custom.

The server can only backpropagate its built-in losses. For an arbitrary loss ``C(logprobs)``
the client (1) runs a ``cross_entropy`` forward pass to get each datum's target logprobs, (2)
computes ``C`` and ``dC/dlogprobs`` locally, and (3) sends a ``cross_entropy`` forward_backward
with ``weights = -dC/dlogprobs``: since the server's loss is ``sum(-logprobs * weights)``, its
gradient with respect to the model equals that of ``C`` (the linearisation trick).

This module is framework-neutral: a `CustomLossFn` takes numpy logprobs and returns the loss
value, the gradient per datum and metrics. `torch_loss_adapter` turns a torch loss (which only
returns the loss tensor and metrics) into one by running autograd; torch is imported lazily and
only then. Building the two passes' ``loss_fn_inputs`` lives in `custom_loss_inputs`. The
result metrics follow the official client: the server's ``loss:sum`` (of the
surrogate) is renamed ``surrogate_loss:sum`` and ``loss:sum`` becomes the custom loss value.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from tinkex.errors import ValidationError

__all__ = [
    "CustomLossFn",
    "CustomLossResult",
    "TorchLossFn",
    "merge_custom_metrics",
    "run_custom_loss",
    "torch_loss_adapter",
    "validate_gradients",
    "weights_from_gradients",
]

D = TypeVar("D")

FloatArray = npt.NDArray[np.floating[Any]]

CustomLossFn = Callable[
    [list[D], list[FloatArray]],
    tuple[float, Sequence[npt.NDArray[Any]], Mapping[str, float]],
]
"""``fn(data, logprobs) -> (loss value, d loss / d logprobs per datum, metrics)``, in numpy."""

TorchLossFn = Callable[[list[D], list[Any]], tuple[Any, Mapping[str, Any]]]
"""``fn(data, logprob tensors) -> (loss tensor, metrics)``, as the official client takes it."""


@dataclass(frozen=True, slots=True)
class CustomLossResult:
    """A validated custom-loss evaluation.

    Attributes:
        loss: The loss value (reported as ``loss:sum``).
        grads: ``d loss / d logprobs`` per datum, same shapes as the logprobs.
        metrics: The user's metrics.
    """

    loss: float
    grads: list[FloatArray]
    metrics: dict[str, float]


def validate_gradients(
    grads: Sequence[npt.NDArray[Any]], logprobs: Sequence[npt.NDArray[Any]]
) -> list[FloatArray]:
    """Check that there is one finite float gradient per datum with the logprobs' shape.

    Args:
        grads: Gradients returned by a loss function.
        logprobs: The logprobs they differentiate.

    Returns:
        The gradients as float arrays.

    Raises:
        ValidationError: Wrong count, shape, dtype kind, or non-finite values; ``field`` names
            the datum index.
    """
    if len(grads) != len(logprobs):
        raise ValidationError(
            f"expected one gradient per datum ({len(logprobs)}), got {len(grads)}", field="grads"
        )
    checked: list[FloatArray] = []
    for index, (grad, logprob) in enumerate(zip(grads, logprobs, strict=True)):
        array = np.asarray(grad)
        where = f"grads[{index}]"
        if array.shape != np.shape(logprob):
            raise ValidationError(
                f"shape {array.shape} does not match logprobs shape {np.shape(logprob)}",
                field=where,
            )
        if array.dtype.kind not in "fiu":
            raise ValidationError(f"must be numeric, got dtype {array.dtype}", field=where)
        if not np.all(np.isfinite(array)):
            raise ValidationError("contains NaN or infinite values", field=where)
        checked.append(array.astype(np.float64, copy=False))
    return checked


def run_custom_loss(
    fn: CustomLossFn[D], data: list[D], logprobs: list[FloatArray]
) -> CustomLossResult:
    """Evaluate a custom loss and validate what it returns.

    Args:
        fn: The loss.
        data: The datums, in request order.
        logprobs: Each datum's target logprobs from the forward pass.

    Returns:
        The validated result.

    Raises:
        ValidationError: ``data`` and ``logprobs`` differ in length, or the loss returned a
            non-numeric value, bad gradients or non-numeric metrics.
    """
    if len(data) != len(logprobs):
        raise ValidationError(
            f"got {len(logprobs)} logprob arrays for {len(data)} datums", field="logprobs"
        )
    value, grads, metrics = fn(data, logprobs)
    try:
        loss = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"must be a number, got {type(value).__name__}", field="loss"
        ) from exc
    return CustomLossResult(loss, validate_gradients(grads, logprobs), _float_metrics(metrics))


def _float_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in metrics.items():
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"metric values must be numbers, got {type(value).__name__}",
                field=f"metrics[{key!r}]",
            ) from exc
    return out


def weights_from_gradients(grads: Sequence[npt.NDArray[Any]]) -> list[npt.NDArray[np.float32]]:
    """Turn ``d loss / d logprobs`` into the ``weights`` of the surrogate cross-entropy pass.

    Args:
        grads: Gradient per datum.

    Returns:
        ``-grad`` per datum, as float32 (the wire dtype of ``weights``).
    """
    return [np.ascontiguousarray(-np.asarray(grad), dtype=np.float32) for grad in grads]


def merge_custom_metrics(
    server_metrics: Mapping[str, float], custom_loss: float, user_metrics: Mapping[str, float]
) -> dict[str, float]:
    """Build the metrics of a custom-loss forward_backward.

    Args:
        server_metrics: Combined metrics of the surrogate ``cross_entropy`` pass.
        custom_loss: The custom loss value.
        user_metrics: Metrics returned by the loss function.

    Returns:
        Server metrics with ``loss:sum`` renamed ``surrogate_loss:sum``, the user's metrics
        merged in, and ``loss:sum`` set to the custom loss (these two keys win over user keys).
    """
    merged = dict(server_metrics)
    surrogate = merged.pop("loss:sum", None)
    merged.update(user_metrics)
    merged["loss:sum"] = custom_loss
    if surrogate is not None:
        merged["surrogate_loss:sum"] = surrogate
    return merged


def torch_loss_adapter(fn: TorchLossFn[D]) -> CustomLossFn[D]:
    """Wrap a torch loss so that it returns numpy gradients, running autograd locally.

    The wrapper turns each logprob array into a leaf tensor with ``requires_grad``, calls `fn`,
    takes ``loss.sum()`` as the loss value, runs ``backward()`` and reads each leaf's gradient.

    Args:
        fn: ``fn(data, logprob tensors) -> (loss tensor, metrics)``.

    Returns:
        An equivalent numpy `CustomLossFn`. Calling it raises ImportError if torch is not
        installed, and ValidationError if some logprob tensor received no gradient.
    """

    def run(
        data: list[D], logprobs: list[FloatArray]
    ) -> tuple[float, list[FloatArray], dict[str, float]]:
        torch = _import_torch()
        leaves = [torch.tensor(lp).clone().detach().requires_grad_(True) for lp in logprobs]
        loss, metrics = fn(data, leaves)
        value = float(loss.detach().sum().item())
        loss.backward()
        grads: list[FloatArray] = []
        for index, leaf in enumerate(leaves):
            if leaf.grad is None:
                raise ValidationError(
                    "the loss did not depend on this datum's logprobs (no gradient); keep it "
                    "in the graph, e.g. multiply by zero",
                    field=f"logprobs[{index}]",
                )
            grads.append(np.asarray(leaf.grad.detach().cpu().numpy()))
        return value, grads, _float_metrics(metrics)

    return run


def _import_torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(
            "torch_loss_adapter needs PyTorch (pip install torch); without it, write the loss "
            "in numpy as a CustomLossFn returning (loss, gradients, metrics)"
        ) from exc
