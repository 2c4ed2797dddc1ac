"""Client-side checks of training input, run before anything is sent.

Everything the client can know is wrong is refused here with a `ValidationError` naming the
field: empty or non-`Datum` batches, model inputs with ids outside the non-negative int32
range (or image pointers, which the training wire cannot carry), tensors whose dtype, values
or shape disagree, target tokens that are not token ids, inputs a built-in loss needs but the
datum lacks, per-token inputs whose length is not the model input's, bad loss configs, strings
UTF-8 cannot encode, and optimizer parameters that conflict with each other or with the run's
optimizer family, or lie outside `tinkex.domain.limits`. Input names a built-in loss does not
take are left to the server (servers may accept more than this client knows of).

These run before a request id is reserved: an error here leaves the client's ordering as it
was, so the next call goes out normally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tinkex.domain.limits import MAX_LEARNING_RATE
from tinkex.domain.official import from_official, from_official_list
from tinkex.domain.tensor_checks import check_tensor
from tinkex.domain.text_checks import require_text
from tinkex.domain.types import (
    AdamOptimizerConfig,
    AdamParams,
    Datum,
    DimuonOptimizerConfig,
    DimuonParams,
    EncodedTextChunk,
    OptimizerConfig,
)
from tinkex.domain.wire_checks import check_spans, pack_model_input, require_number, with_fields
from tinkex.errors import ValidationError

__all__ = [
    "CUSTOM_LOSS",
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

CUSTOM_LOSS = "<custom>"
"""The `loss_fn` of `validate_data` for a client-side custom loss: its two server passes are
cross_entropy passes, so ``target_tokens`` (and ``weights``, when given) must be per-token;
every other input stays on the client and may have any shape."""
_CUSTOM_PER_TOKEN = frozenset({"target_tokens", "weights"})


def validate_data(
    data: Sequence[Datum], loss_fn: str | None = None, *, pack: bool = True
) -> list[Datum]:
    """Check a batch before anything is sent; return the datums to send.

    Args:
        data: The examples.
        loss_fn: The loss they are for; a built-in loss (or `CUSTOM_LOSS`) also has its
            inputs checked.
        pack: Return a datum whose text chunks held lists as a copy holding the int32 arrays
            the check produced (for the protobuf wire, which then sends them as they are);
            the caller's datums are never modified. False returns the datums unchanged.

    Raises:
        ValidationError: The batch is empty, holds something other than `Datum`, or a datum
            has no tokens, inconsistent spans, a bad tensor, or lacks an input of the loss.
    """
    if isinstance(data, Datum):
        raise ValidationError("pass a list of Datum, not a single Datum", field="data")
    if isinstance(data, str | bytes | Mapping):
        raise ValidationError(f"expected a list of Datum, got {type(data).__name__}", field="data")
    try:
        items = from_official_list(data, where="data")
    except TypeError:
        raise ValidationError(
            f"expected a list of Datum, got {type(data).__name__}", field="data"
        ) from None
    if not items:
        raise ValidationError("no data provided", field="data")
    for index, datum in enumerate(items):
        items[index] = _check_datum(datum, f"data[{index}]", loss_fn, pack=pack)
    return items


def _check_datum(datum: object, where: str, loss_fn: str | None, *, pack: bool) -> Datum:
    if not isinstance(datum, Datum):
        raise ValidationError(f"expected a Datum, got {type(datum).__name__}", field=where)
    model_input, length = pack_model_input(datum.model_input, f"{where}.model_input")
    if length == 0:
        raise ValidationError("model_input is empty", field=f"{where}.model_input")
    if (datum.model_input_spans is None) != (datum.loss_fn_input_spans is None):
        raise ValidationError(
            "give both model_input_spans and loss_fn_input_spans, or neither", field=where
        )
    if datum.model_input_spans is not None:
        check_spans(datum.model_input_spans, f"{where}.model_input_spans")
        check_spans(datum.loss_fn_input_spans, f"{where}.loss_fn_input_spans")
    inputs: object = datum.loss_fn_inputs
    if not isinstance(inputs, dict):
        raise ValidationError(
            f"must be a dict, got {type(inputs).__name__}", field=f"{where}.loss_fn_inputs"
        )
    text_only = all(isinstance(c, EncodedTextChunk) for c in model_input.chunks)
    builtin, custom = loss_fn in REQUIRED_INPUTS, loss_fn == CUSTOM_LOSS
    for key, tensor in inputs.items():
        if type(key) is not str or not key or not key.isascii():  # one check for the usual key
            require_text(key, f"{where}.loss_fn_inputs key {key!r}")
        field = f"{where}.loss_fn_inputs[{key!r}]"
        rows = check_tensor(tensor, field, token_ids=key == "target_tokens")
        # Built-in losses are per token: dimension 0 of each input is the input's length.
        per_token = builtin or (custom and key in _CUSTOM_PER_TOKEN)
        if per_token and text_only and rows != length:
            raise ValidationError(
                f"has {rows} rows but the model input has {length} tokens", field=field
            )
    required = ("target_tokens",) if custom else REQUIRED_INPUTS.get(loss_fn or "", ())
    for key in required:
        if key not in inputs:
            raise ValidationError(
                f"loss {loss_fn!r} needs this input", field=f"{where}.loss_fn_inputs[{key!r}]"
            )
    if not pack or model_input is datum.model_input:
        return datum
    return with_fields(datum, model_input=model_input)


def validate_loss_fn(loss_fn: str, config: LossFnConfig | None) -> dict[str, float | str] | None:
    """Check the loss name and its config values.

    Loss names are open (servers may offer more than the built-in five); only their shape is
    checked here. Config keys must be non-empty strings, values finite numbers or strings;
    every string must be encodable as UTF-8.

    Raises:
        ValidationError: The name or a config entry cannot be sent; ``field`` names it.
    """
    require_text(loss_fn, "loss_fn")
    if config is None:
        return None
    if not isinstance(config, Mapping):
        raise ValidationError(
            f"must be a dict of numbers or strings, got {type(config).__name__}",
            field="loss_fn_config",
        )
    checked: dict[str, float | str] = {}
    for key, raw in config.items():
        require_text(key, f"loss_fn_config key {key!r}")
        value: object = raw  # callers may be untyped; check at runtime
        where = f"loss_fn_config[{key!r}]"
        if isinstance(value, str):
            checked[key] = require_text(value, where, allow_empty=True)
        else:
            checked[key] = require_number(value, where)
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
    require_number(
        params.learning_rate, f"{field}.learning_rate", minimum=0.0, maximum=MAX_LEARNING_RATE
    )
    require_number(params.grad_clip_norm, f"{field}.grad_clip_norm", minimum=0.0)
    betas = [("beta1", params.beta1)]
    if isinstance(params, AdamParams):
        betas.append(("beta2", params.beta2))
        require_number(params.weight_decay, f"{field}.weight_decay", minimum=0.0)
        if require_number(params.eps, f"{field}.eps") <= 0:
            raise ValidationError(f"must be > 0, got {params.eps}", field=f"{field}.eps")
    for name, value in betas:
        beta = require_number(value, f"{field}.{name}", minimum=0.0)
        if beta >= 1:
            raise ValidationError(f"must be below 1, got {beta}", field=f"{field}.{name}")
