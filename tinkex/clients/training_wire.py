"""Building and sending training requests: validation, chunking, wire form, combination.

Kept apart from `TrainingClient` so the class reads as the public surface and this module as
the mechanics: what one forward/forward_backward call turns into on the wire (protobuf chunks,
or the JSON-era bodies for servers that predate protobuf) and how chunk results fold back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinkex import api
from tinkex.domain.chunking import chunk_by_budget, estimate_datum_bytes
from tinkex.domain.combine import combine_metrics, concat_outputs
from tinkex.domain.types import (
    Datum,
    EncodedTextChunk,
    ForwardBackwardInput,
    ForwardBackwardOutput,
    ForwardBackwardRequest,
    ForwardBackwardRequestLegacy,
    ForwardRequestLegacy,
    ImageAssetPointerChunk,
    ImageChunk,
    TensorData,
    UntypedAPIFuture,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from tinkex.bootstrap.runtime import Runtime

__all__ = [
    "LossFnConfig",
    "chunk_data",
    "combine_outputs",
    "submit_chunk",
    "validate_data",
    "validate_loss_fn",
]

LossFnConfig = Mapping[str, float | str]


def validate_data(data: Sequence[Datum]) -> list[Datum]:
    """Check a batch before anything is sent.

    Raises:
        ValidationError: The batch is empty, holds something other than `Datum`, or a datum
            has no tokens, inconsistent spans, or a ragged tensor.
    """
    if isinstance(data, Datum):
        raise ValidationError("pass a list of Datum, not a single Datum", field="data")
    items = list(data)
    if not items:
        raise ValidationError("no data provided", field="data")
    for index, datum in enumerate(items):
        if not isinstance(datum, Datum):
            raise ValidationError(
                f"expected a Datum, got {type(datum).__name__}", field=f"data[{index}]"
            )
        if datum.model_input.length == 0:
            raise ValidationError("model_input is empty", field=f"data[{index}].model_input")
        if (datum.model_input_spans is None) != (datum.loss_fn_input_spans is None):
            raise ValidationError(
                "give both model_input_spans and loss_fn_input_spans, or neither",
                field=f"data[{index}]",
            )
        for key, tensor in datum.loss_fn_inputs.items():
            _check_tensor(tensor, f"data[{index}].loss_fn_inputs[{key!r}]")
    return items


def _check_tensor(tensor: TensorData, field: str) -> None:
    if tensor.sparse_crow_indices is not None or tensor.shape is None:
        return
    expected = math.prod(tensor.shape)
    if expected != len(tensor.data):
        raise ValidationError(
            f"shape {tensor.shape} needs {expected} values, got {len(tensor.data)}", field=field
        )


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


def _datum_bytes(datum: Datum) -> int:
    tokens = 0
    blob = 0
    for chunk in datum.model_input.chunks:
        if isinstance(chunk, EncodedTextChunk):
            tokens += len(chunk.tokens)
        elif isinstance(chunk, ImageChunk):
            blob += len(chunk.data)
        elif isinstance(chunk, ImageAssetPointerChunk):
            blob += len(chunk.location)
        else:
            blob += len(chunk.dmel)
    tensors = sum(
        len(t.data) * (4 if t.dtype == "float32" else 8)
        + 8 * len(t.sparse_crow_indices or ())
        + 8 * len(t.sparse_col_indices or ())
        for t in datum.loss_fn_inputs.values()
    )
    return estimate_datum_bytes(tokens, blob, tensors)


def chunk_data(runtime: Runtime, data: Sequence[Datum]) -> list[list[Datum]]:
    """Split a batch by the server's count and byte limits (spec 8.2)."""
    flags = runtime.server_config
    return chunk_by_budget(
        data,
        estimate=_datum_bytes,
        max_items=flags.fwdbwd_max_chunk_len,
        max_bytes=flags.fwdbwd_max_chunk_bytes_count,
    )


async def submit_chunk(
    runtime: Runtime,
    *,
    model_id: str,
    seq_id: int,
    chunk: list[Datum],
    loss_fn: str,
    loss_fn_config: dict[str, float | str] | None,
    forward_only: bool,
) -> UntypedAPIFuture:
    """Send one chunk, as protobuf, or as JSON to a server that predates protobuf."""
    if runtime.legacy:
        numeric = _numeric_config(loss_fn_config)
        body = ForwardBackwardInput(data=chunk, loss_fn=loss_fn, loss_fn_config=numeric)
        if forward_only:
            return await api.training.forward_legacy(
                runtime.invoker,
                ForwardRequestLegacy(forward_input=body, model_id=model_id, seq_id=seq_id),
            )
        return await api.training.forward_backward_legacy(
            runtime.invoker,
            ForwardBackwardRequestLegacy(
                forward_backward_input=body, model_id=model_id, seq_id=seq_id
            ),
        )
    request = ForwardBackwardRequest(
        model_id=model_id,
        seq_id=seq_id,
        data=chunk,
        loss_fn=loss_fn,
        loss_fn_config=loss_fn_config,
        forward_only=forward_only,
    )
    encoding = runtime.protobuf.content_encoding
    estimate = sum(_datum_bytes(datum) for datum in chunk)
    # The byte budget bounds what is in flight across concurrent chunk submissions.
    await runtime.fwdbwd_bytes.acquire(estimate)
    try:
        return await api.training.forward_backward(
            runtime.invoker,
            request,
            headers={"Content-Encoding": encoding} if encoding else None,
        )
    finally:
        runtime.fwdbwd_bytes.release(estimate)


def _numeric_config(config: dict[str, float | str] | None) -> dict[str, float] | None:
    if config is None:
        return None
    text = [key for key, value in config.items() if isinstance(value, str)]
    if text:
        raise ValidationError(
            "this server predates string loss_fn_config values (JSON wire)",
            field=f"loss_fn_config[{text[0]!r}]",
        )
    return {key: float(value) for key, value in config.items()}


def combine_outputs(
    results: Sequence[ForwardBackwardOutput], sizes: Sequence[int]
) -> ForwardBackwardOutput:
    """Fold per-chunk results into one (spec 8.3), even for a single chunk."""
    return ForwardBackwardOutput(
        loss_fn_output_type=results[0].loss_fn_output_type,
        loss_fn_outputs=concat_outputs([r.loss_fn_outputs for r in results]),
        metrics=combine_metrics([(r.metrics, n) for r, n in zip(results, sizes, strict=True)]),
    )
