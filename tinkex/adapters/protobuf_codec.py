"""Protobuf codec: the binary wire of forward_backward and of its and sampling's results.

Maps the generated wire Structs (`ForwardBackwardRequest`, `ForwardBackwardOutput`,
`SampleResponse`) onto the numpy-level encoders of `tinkex.proto`, so tensors travel as raw
little-endian bytes and never as Python lists on the way out. A `SampleResponse` keeps the
decoded arrays in its ``*_np`` fields; its list views are built lazily (see
`tinkex.domain.mixins.sampling`).
"""

from __future__ import annotations

import functools
import struct
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from tinkex.domain.types import (
    Datum,
    DmelChunk,
    EncodedTextChunk,
    ForwardBackwardOutput,
    ForwardBackwardRequest,
    ImageAssetPointerChunk,
    ImageChunk,
    PromptAltTokens,
    PromptProvenanceSpan,
    SampledSequence,
    SampleResponse,
    TensorData,
    TopkLogprobs,
)
from tinkex.errors import DecodeError, ValidationError
from tinkex.proto import wire

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tinkex.domain.types import ProvenanceSpan
    from tinkex.proto.arrays import LossInput

__all__ = ["PROTOBUF_MEDIA_TYPE", "ProtobufCodec"]

T = TypeVar("T")

PROTOBUF_MEDIA_TYPE = wire.PROTOBUF_MEDIA_TYPE


class ProtobufCodec:
    """Encode forward_backward requests and decode binary results (implements `Codec`).

    Args:
        compress: zstd-compress request bodies (the server's ``proto_compress_fwdbwd`` flag);
            callers then send ``Content-Encoding: zstd`` (see `content_encoding`).
    """

    def __init__(self, *, compress: bool = False) -> None:
        self._compress = compress

    @property
    def media_type(self) -> str:
        """``application/x-protobuf``."""
        return PROTOBUF_MEDIA_TYPE

    @property
    def content_encoding(self) -> str | None:
        """The Content-Encoding encoded bodies need, or None."""
        return "zstd" if self._compress else None

    def encode(self, obj: object, /) -> bytes:
        """Encode a `ForwardBackwardRequest`.

        Raises:
            ValidationError: The object is not a forward_backward request, or holds a chunk
                the binary wire cannot carry (image asset pointers).
        """
        if not isinstance(obj, ForwardBackwardRequest):
            raise ValidationError(f"cannot protobuf-encode {type(obj).__name__}")
        arrays = wire.ForwardBackwardRequestArrays(
            model_id=obj.model_id,
            seq_id=obj.seq_id,
            data=[_datum(d, i) for i, d in enumerate(obj.data)],
            loss_fn=obj.loss_fn,
            loss_fn_config=obj.loss_fn_config,
            forward_only=obj.forward_only,
        )
        return wire.encode_forward_backward_request(arrays, compress=self._compress)

    def decode(self, data: bytes, type_: type[T], /) -> T:
        """Decode a `ForwardBackwardOutput` or a `SampleResponse`.

        Raises:
            DecodeError: The body is malformed or the type has no binary form.
        """
        try:
            if type_ is ForwardBackwardOutput:
                return cast("T", _forward_backward_output(data))
            if type_ is SampleResponse:
                return cast("T", _sample_response(data))
        except wire.ProtoDecodeError as exc:
            raise DecodeError(f"bad protobuf {type_.__name__}: {exc}") from exc
        raise DecodeError(f"{type_.__name__} has no protobuf form")


def _datum(datum: Datum, index: int) -> wire.ProtoDatum:
    chunks: list[wire.ModelInputChunk] = []
    for position, chunk in enumerate(datum.model_input.chunks):
        if isinstance(chunk, EncodedTextChunk):
            chunks.append(wire.TextChunk(tokens=_token_array(chunk.tokens)))
        elif isinstance(chunk, ImageChunk):
            chunks.append(wire.ImageChunk(chunk.data, chunk.format, chunk.expected_tokens))
        elif isinstance(chunk, DmelChunk):
            chunks.append(wire.DmelChunk(chunk.dmel))
        elif isinstance(chunk, ImageAssetPointerChunk):
            raise ValidationError(
                "image asset pointers cannot be used for training; send the image bytes",
                field=f"data[{index}].model_input.chunks[{position}]",
            )
    inputs: dict[str, LossInput] = {
        key: _tensor(value) for key, value in datum.loss_fn_inputs.items()
    }
    return wire.ProtoDatum(
        chunks=chunks,
        loss_fn_inputs=inputs,
        model_input_spans=_spans(datum.model_input_spans),
        loss_fn_input_spans=_spans(datum.loss_fn_input_spans),
    )


def _token_array(tokens: Sequence[int] | np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Token ids straight into the little-endian int32 the wire carries, in one pass.

    A stored int32 array (`EncodedTextChunk` keeps arrays as int32 when the ids fit) is sent
    as it is, with no copy. `struct` packs a list of ints faster than numpy reads one;
    anything it refuses (an id beyond int32, a non-integer) takes the numpy path, whose
    checks name the problem.
    """
    if isinstance(tokens, np.ndarray):
        # int32 goes through as a view; a wider array is range-checked by `wire.TextChunk`.
        return tokens
    if isinstance(tokens, list):
        try:
            packed = _int32_packer(len(tokens)).pack(*tokens)
        except struct.error:
            pass
        else:
            return np.frombuffer(packed, dtype="<i4")
    return np.asarray(tokens, dtype=np.int64)


@functools.lru_cache(maxsize=512)
def _int32_packer(count: int) -> struct.Struct:
    return struct.Struct(f"<{count}i")


def _tensor(tensor: TensorData) -> np.ndarray[Any, Any] | wire.SparseCsrArray:
    # A view of the stored array (the caller's own, for numpy input): the encoder copies the
    # bytes once, into the body.
    values = tensor.values
    if tensor.sparse_crow_indices is not None and tensor.sparse_col_indices is not None:
        return wire.SparseCsrArray(
            values=values,
            crow_indices=np.asarray(tensor.sparse_crow_indices, dtype=np.int64),
            col_indices=np.asarray(tensor.sparse_col_indices, dtype=np.int64),
            shape=tuple(tensor.shape or ()),
        )
    return values.reshape(tensor.shape) if tensor.shape is not None else values


def _spans(spans: Sequence[ProvenanceSpan] | None) -> list[wire.Span]:
    return [
        wire.Span(
            kind="prompt" if isinstance(span, PromptProvenanceSpan) else "sampled",
            sequence_id=span.sequence_id,
            offset=span.offset,
            length=span.length,
        )
        for span in spans or ()
    ]


def _forward_backward_output(body: bytes) -> ForwardBackwardOutput:
    arrays = wire.decode_forward_backward_output(body)
    # The decoded arrays are float32/int64 already: the tensors keep them without a copy.
    outputs = [
        {name: TensorData.from_numpy(value) for name, value in record.items()}
        for record in arrays.loss_fn_outputs
    ]
    return ForwardBackwardOutput(
        loss_fn_output_type=arrays.loss_fn_output_type,
        loss_fn_outputs=outputs,
        metrics=dict(arrays.metrics),
    )


def _sample_response(body: bytes) -> SampleResponse:
    # The arrays go into the Struct as they are: list views are built only when read.
    arrays = wire.decode_sample_response(body)
    sequences = [
        SampledSequence(
            stop_reason=seq.stop_reason,
            tokens_np=seq.tokens,
            logprobs_np=seq.logprobs,
            topk_logprobs_np=_topk(seq.topk),
        )
        for seq in arrays.sequences
    ]
    alt = None
    if arrays.prompt_alt_tokens is not None:
        alt_tokens, alt_logprobs = arrays.prompt_alt_tokens
        alt = PromptAltTokens(tokens=alt_tokens, logprobs=alt_logprobs)
    return SampleResponse(
        sequences=sequences,
        prompt_logprobs_np=arrays.prompt_logprobs,
        topk_prompt_logprobs_np=_topk(arrays.topk_prompt_logprobs),
        prompt_cache_hit_tokens=arrays.prompt_cache_hit_tokens,
        target_prompt_logprobs=_target(arrays.target_prompt_logprobs),
        prompt_alt_tokens=alt,
    )


def _topk(topk: wire.TopkArrays | None) -> TopkLogprobs | None:
    if topk is None:
        return None
    return TopkLogprobs(token_ids=topk.token_ids, logprobs=topk.logprobs)


def _target(value: np.ndarray[Any, Any] | wire.SparseCsrArray | None) -> TensorData | None:
    if value is None:
        return None
    if isinstance(value, wire.SparseCsrArray):
        return TensorData(
            data=np.ascontiguousarray(value.values, dtype=np.float32),
            dtype="float32",
            shape=list(value.shape),
            sparse_crow_indices=value.crow_indices.astype(np.int64).tolist(),
            sparse_col_indices=value.col_indices.astype(np.int64).tolist(),
        )
    return TensorData.from_numpy(np.asarray(value, dtype=np.float32))
