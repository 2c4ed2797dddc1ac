"""The ``loss_fn_inputs`` of the two server passes of a client-side custom loss.

The forward pass is a ``cross_entropy`` pass, so only ``target_tokens`` and ``weights`` are sent
(zero weights when the datum has none); every other input (advantages, reference logprobs, a
client-only mask...) stays on the client, where the loss function reads it with `loss_input`.
The backward pass sends the same targets with ``weights = -d loss / d logprobs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tinkex.domain.custom_loss import weights_from_gradients
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["loss_input", "surrogate_backward_inputs", "surrogate_forward_inputs"]


def loss_input(datum: Any, key: str) -> npt.NDArray[Any]:
    """Read ``datum.loss_fn_inputs[key]`` as a numpy array, whatever tensor type holds it.

    Accepts numpy arrays, objects with ``to_numpy()`` (tensor data types), objects with
    ``data`` and ``shape`` attributes, and plain sequences.

    Args:
        datum: Any object with a ``loss_fn_inputs`` mapping.
        key: The input's key.

    Returns:
        The values.

    Raises:
        ValidationError: The datum has no such input.
    """
    inputs: Mapping[str, Any] = datum.loss_fn_inputs
    if key not in inputs:
        raise ValidationError(f"the datum has no {key!r} input", field=f"loss_fn_inputs[{key!r}]")
    return _as_array(inputs[key])


def _as_array(value: Any) -> npt.NDArray[Any]:
    if isinstance(value, np.ndarray):
        return value
    if callable(getattr(value, "to_numpy", None)):
        return np.asarray(value.to_numpy())
    if hasattr(value, "data") and hasattr(value, "shape"):
        array = np.asarray(value.data)
        return array.reshape(value.shape) if value.shape is not None else array
    return np.asarray(value)


def surrogate_forward_inputs(
    loss_fn_inputs: Mapping[str, Any], *, index: int = 0
) -> dict[str, Any]:
    """The ``loss_fn_inputs`` sent with the forward pass of a client-side custom loss.

    Only ``target_tokens`` and ``weights`` go to the server (zeros of the target's shape when
    the datum has no weights); every other input stays on the client for the loss function.

    Args:
        loss_fn_inputs: The datum's inputs (values of any tensor type, passed through).
        index: The datum's position, for the error's field name.

    Returns:
        ``{"target_tokens": ..., "weights": ...}``.

    Raises:
        ValidationError: The datum has no ``target_tokens``.
    """
    if "target_tokens" not in loss_fn_inputs:
        raise ValidationError(
            "target_tokens must be provided for a custom loss (its forward pass is a "
            "cross_entropy pass)",
            field=f"data[{index}].loss_fn_inputs",
        )
    target = loss_fn_inputs["target_tokens"]
    weights = loss_fn_inputs.get("weights")
    if weights is None:
        weights = np.zeros(_as_array(target).shape, dtype=np.float32)
    return {"target_tokens": target, "weights": weights}


def surrogate_backward_inputs(
    loss_fn_inputs: Mapping[str, Any], grad: npt.NDArray[Any], *, index: int = 0
) -> dict[str, Any]:
    """The ``loss_fn_inputs`` of the backward pass: the targets with ``weights = -grad``.

    Args:
        loss_fn_inputs: The datum's original inputs.
        grad: ``d loss / d logprobs`` for the datum.
        index: The datum's position, for the error's field name.

    Returns:
        ``{"target_tokens": ..., "weights": -grad as float32}``.

    Raises:
        ValidationError: The datum has no ``target_tokens``.
    """
    forward = surrogate_forward_inputs(loss_fn_inputs, index=index)
    return {"target_tokens": forward["target_tokens"], "weights": weights_from_gradients([grad])[0]}
