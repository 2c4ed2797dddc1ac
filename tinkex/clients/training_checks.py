"""Client-side checks of training input, run before anything is sent.

Everything the client can know is wrong is refused here with a `ValidationError` naming the
field: empty or non-`Datum` batches, tensors whose dtype, values or shape disagree, inputs a
built-in loss needs but the datum lacks, per-token inputs whose length is not the model
input's, bad loss configs, and optimizer parameters that conflict with each other or with the
run's optimizer family. Input names a built-in loss does not take are left to the server
(servers may accept more than this client knows of).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from tinkex.domain.official import from_official, from_official_list
from tinkex.domain.types import (
    AdamOptimizerConfig,
    AdamParams,
    Datum,
    DimuonOptimizerConfig,
    DimuonParams,
    EncodedTextChunk,
    OptimizerConfig,
    TensorData,
)
from tinkex.errors import ValidationError

__all__ = [
    "LossFnConfig",
    "OptimParams",
    "choose_optimizer",
    "validate_data",
    "validate_loss_fn",
]

LossFnConfig = Mapping[str, float | str]
OptimParams = AdamParams | DimuonParams

_POLICY_INPUTS = ("target_tokens", "logprobs", "advantages")
REQUIRED_INPUTS: dict[str, tuple[str, ...]] = {
    "cross_entropy": ("target_tokens", "weights"),
    "importance_sampling": _POLICY_INPUTS,
    "ppo": _POLICY_INPUTS,
    "cispo": _POLICY_INPUTS,
    "dro": _POLICY_INPUTS,
}
"""The ``loss_fn_inputs`` each built-in loss cannot do without (all per-token)."""


def validate_data(data: Sequence[Datum], loss_fn: str | None = None) -> list[Datum]:
    """Check a batch before anything is sent.

    Args:
        data: The examples.
        loss_fn: The loss they are for; a built-in loss also has its inputs checked.

    Raises:
        ValidationError: The batch is empty, holds something other than `Datum`, or a datum
            has no tokens, inconsistent spans, a bad tensor, or lacks an input of the loss.
    """
    if isinstance(data, Datum):
        raise ValidationError("pass a list of Datum, not a single Datum", field="data")
    items = from_official_list(data, where="data")
    if not items:
        raise ValidationError("no data provided", field="data")
    for index, datum in enumerate(items):
        _check_datum(datum, f"data[{index}]", loss_fn)
    return items


def _check_datum(datum: object, where: str, loss_fn: str | None) -> None:
    if not isinstance(datum, Datum):
        raise ValidationError(f"expected a Datum, got {type(datum).__name__}", field=where)
    try:
        length = datum.model_input.length
    except ValidationError as exc:
        raise ValidationError(str(exc), field=f"{where}.model_input") from exc
    if length == 0:
        raise ValidationError("model_input is empty", field=f"{where}.model_input")
    if (datum.model_input_spans is None) != (datum.loss_fn_input_spans is None):
        raise ValidationError(
            "give both model_input_spans and loss_fn_input_spans, or neither", field=where
        )
    text_only = all(isinstance(c, EncodedTextChunk) for c in datum.model_input.chunks)
    for key, tensor in datum.loss_fn_inputs.items():
        field = f"{where}.loss_fn_inputs[{key!r}]"
        rows = _check_tensor(tensor, field)
        # Built-in losses are per token: dimension 0 of each input is the input's length.
        if loss_fn in REQUIRED_INPUTS and text_only and rows is not None and rows != length:
            raise ValidationError(
                f"has {rows} rows but the model input has {length} tokens", field=field
            )
    for key in REQUIRED_INPUTS.get(loss_fn or "", ()):
        if key not in datum.loss_fn_inputs:
            raise ValidationError(
                f"loss {loss_fn!r} needs this input", field=f"{where}.loss_fn_inputs[{key!r}]"
            )


def _check_tensor(tensor: object, field: str) -> int | None:
    """Check one tensor; return its number of rows (dimension 0) when known."""
    if not isinstance(tensor, TensorData):
        raise ValidationError(f"expected TensorData, got {type(tensor).__name__}", field=field)
    dtype: object = tensor.dtype  # built without validation: check at runtime
    if dtype not in ("int64", "float32"):
        raise ValidationError(f"dtype must be int64 or float32, got {dtype!r}", field=field)
    _check_values(tensor.data, dtype, field)
    shape = tensor.shape
    if shape is not None and any(isinstance(d, bool) or d < 0 for d in shape):
        raise ValidationError(f"bad shape {shape}", field=field)
    if tensor.sparse_crow_indices is not None or tensor.sparse_col_indices is not None:
        return _check_sparse(tensor, field)
    count = tensor.size
    if shape is None:
        return count
    expected = math.prod(shape)
    if expected != count:
        raise ValidationError(f"shape {shape} needs {expected} values, got {count}", field=field)
    return shape[0] if shape else None


def _check_values(data: object, dtype: object, field: str) -> None:
    # An array (the usual case: Datum keeps the caller's arrays) is checked as it is, in a few
    # vectorised passes; a list is read into an array once. Integer arrays need no pass.
    try:
        values = data if isinstance(data, np.ndarray) else np.asarray(data)
    except ValueError as exc:  # ragged nesting
        raise ValidationError("holds values that are not numbers", field=field) from exc
    kind = values.dtype.kind
    if kind not in "iuf":
        raise ValidationError("holds values that are not numbers", field=field)
    if kind == "f":
        if not np.isfinite(values).all():
            raise ValidationError("holds NaN or infinite values", field=field)
        if dtype == "int64" and not (values == np.floor(values)).all():
            raise ValidationError("an int64 tensor holds fractional values", field=field)


def _check_sparse(tensor: TensorData, field: str) -> int | None:
    crow, col, shape = tensor.sparse_crow_indices, tensor.sparse_col_indices, tensor.shape
    if crow is None or col is None or shape is None or len(shape) != 2:
        raise ValidationError(
            "a sparse tensor needs crow and col indices and a 2-D shape", field=field
        )
    if len(crow) != shape[0] + 1 or len(col) != tensor.size or crow[-1] != len(col):
        raise ValidationError("sparse CSR indices do not match the values and shape", field=field)
    return shape[0]


def validate_loss_fn(loss_fn: str, config: LossFnConfig | None) -> dict[str, float | str] | None:
    """Check the loss name and its config values.

    Loss names are open (servers may offer more than the built-in five); only their shape is
    checked here. Config values must be finite numbers or strings.
    """
    name: object = loss_fn  # callers may be untyped; check at runtime
    if not isinstance(name, str) or not name:
        raise ValidationError("must be a non-empty loss function name", field="loss_fn")
    if config is None:
        return None
    checked: dict[str, float | str] = {}
    for key, raw in config.items():
        value: object = raw  # callers may be untyped; check at runtime
        where = f"loss_fn_config[{key!r}]"
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("must be a number or a string", field=where)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError("must be finite", field=where)
        checked[key] = float(value) if isinstance(value, int) else value
    return checked


def choose_optimizer(
    optim_params: OptimParams | None,
    adam_params: AdamParams | None,
    family: OptimizerConfig,
) -> OptimParams:
    """Pick and check the parameters of one optimizer step.

    Args:
        optim_params: Positional parameters of any family.
        adam_params: Adam parameters given by keyword.
        family: The run's optimizer (from `get_info`).

    Raises:
        ValidationError: Both or neither given, not optimizer parameters, parameters of
            another family than the run's, or out-of-range values.
    """
    if optim_params is not None and adam_params is not None:
        raise ValidationError("give optim_params or adam_params, not both", field="adam_params")
    chosen: object = from_official(optim_params if optim_params is not None else adam_params)
    field = "optim_params" if optim_params is not None else "adam_params"
    if chosen is None:
        raise ValidationError("optimizer parameters are required", field="optim_params")
    if not isinstance(chosen, AdamParams | DimuonParams):
        raise ValidationError(
            f"expected AdamParams or DimuonParams, got {type(chosen).__name__}", field=field
        )
    if isinstance(chosen, AdamParams) and not isinstance(family, AdamOptimizerConfig):
        raise ValidationError("the run uses Dimuon: pass DimuonParams", field=field)
    if isinstance(chosen, DimuonParams) and not isinstance(family, DimuonOptimizerConfig):
        raise ValidationError("the run uses AdamW: pass AdamParams", field=field)
    _check_ranges(chosen, field)
    return chosen


def _check_ranges(params: OptimParams, field: str) -> None:
    values: dict[str, float] = {
        "learning_rate": params.learning_rate,
        "grad_clip_norm": params.grad_clip_norm,
        "beta1": params.beta1,
    }
    if isinstance(params, AdamParams):
        values.update(beta2=params.beta2, eps=params.eps, weight_decay=params.weight_decay)
    for name, value in values.items():
        where = f"{field}.{name}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("must be a number", field=where)
        if not math.isfinite(value) or value < 0:
            raise ValidationError(f"must be finite and >= 0, got {value}", field=where)
        if name.startswith("beta") and value >= 1:
            raise ValidationError(f"must be below 1, got {value}", field=where)
    if isinstance(params, AdamParams) and params.eps <= 0:
        raise ValidationError(f"must be > 0, got {params.eps}", field=f"{field}.eps")
