"""Building and sending training requests: chunking, wire form, combination.

Kept apart from `TrainingClient` so the class reads as the public surface and this module as
the mechanics: what one forward/forward_backward call turns into on the wire (protobuf chunks,
or the JSON-era bodies for servers that predate protobuf) and how chunk results fold back.
"""

from __future__ import annotations

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
    UntypedAPIFuture,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tinkex.flows.bytes_semaphore import BytesSemaphore
    from tinkex.ports.client import ClientContext

__all__ = ["chunk_data", "combine_outputs", "datum_bytes", "numeric_config", "submit_chunk"]


def datum_bytes(datum: Datum) -> int:
    """The estimated protobuf size of a datum (what the byte limit of a chunk counts)."""
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
    tensors = 0
    for tensor in datum.loss_fn_inputs.values():
        tensors += tensor.nbytes  # from the stored count: the values are not read
        if tensor.sparse_crow_indices is not None:
            tensors += 8 * len(tensor.sparse_crow_indices)
        if tensor.sparse_col_indices is not None:
            tensors += 8 * len(tensor.sparse_col_indices)
    return estimate_datum_bytes(tokens, blob, tensors)


def chunk_data(runtime: ClientContext, data: Sequence[Datum]) -> list[list[Datum]]:
    """Split a batch by the server's count and byte limits (``fwdbwd_max_chunk_*``)."""
    flags = runtime.server_config
    return chunk_by_budget(
        data,
        estimate=datum_bytes,
        max_items=flags.fwdbwd_max_chunk_len,
        max_bytes=flags.fwdbwd_max_chunk_bytes_count,
    )


async def submit_chunk(
    runtime: ClientContext,
    *,
    model_id: str,
    seq_id: int,
    chunk: list[Datum],
    loss_fn: str,
    loss_fn_config: dict[str, float | str] | None,
    forward_only: bool,
    window: BytesSemaphore | None = None,
) -> UntypedAPIFuture:
    """Send one chunk, as protobuf, or as JSON to a server that predates protobuf.

    The protobuf body is encoded inside the send and dropped when its POST returns; `window`
    (one per batch) additionally bounds the bytes of this batch's chunks in flight together.
    """
    if runtime.legacy:
        numeric = numeric_config(loss_fn_config)
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
    encoding = runtime.fwdbwd_content_encoding
    estimate = sum(datum_bytes(datum) for datum in chunk)
    if window is not None:
        await window.acquire(estimate)
    try:
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
    finally:
        if window is not None:
            window.release(estimate)


def numeric_config(config: dict[str, float | str] | None) -> dict[str, float] | None:
    """The config as the JSON wire takes it: numbers only.

    Raises:
        ValidationError: A value is a string (JSON-era servers take numbers only).
    """
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
    """Fold per-chunk results into one by metric reduction, even for a single chunk."""
    return ForwardBackwardOutput(
        loss_fn_output_type=results[0].loss_fn_output_type,
        loss_fn_outputs=concat_outputs([r.loss_fn_outputs for r in results]),
        metrics=combine_metrics([(r.metrics, n) for r, n in zip(results, sizes, strict=True)]),
    )
