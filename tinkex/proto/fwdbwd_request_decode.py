"""Decode the `ForwardBackwardRequest` protobuf body (the embedded server's side)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import zstandard
from google.protobuf.message import DecodeError as _PbDecodeError

from tinkex.proto import messages as pb
from tinkex.proto.arrays import (
    DmelChunk,
    ForwardBackwardRequestArrays,
    ImageChunk,
    ModelInputChunk,
    ProtoDatum,
    ProtoDecodeError,
    Span,
    TextChunk,
)
from tinkex.proto.tensors import frombuffer_checked, read_tensor

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["decode_forward_backward_request", "decompress_body"]

_IDENTITY_ENCODINGS: Final = frozenset({"", "identity"})


def decompress_body(body: bytes, content_encoding: str | None) -> bytes:
    """Undo the `Content-Encoding` of a request body.

    Args:
        body: The body as received.
        content_encoding: The header value: `None`, `""` or `identity` (no-op), or `zstd`.

    Returns:
        The plain body.

    Raises:
        ProtoDecodeError: For another encoding or a corrupt zstd frame.
    """
    encoding = (content_encoding or "").strip().lower()
    if encoding in _IDENTITY_ENCODINGS:
        return body
    if encoding != "zstd":
        raise ProtoDecodeError(f"Content-Encoding {content_encoding!r} is not supported")
    try:
        # A streaming decompressor also accepts frames that do not record their content size.
        plain: bytes = zstandard.ZstdDecompressor().decompressobj().decompress(body)
    except zstandard.ZstdError as exc:
        raise ProtoDecodeError(f"request body: corrupt zstd data ({exc})") from exc
    return plain


def decode_forward_backward_request(
    body: bytes, *, content_encoding: str | None = None
) -> ForwardBackwardRequestArrays:
    """Parse a forward/forward_backward request body.

    Args:
        body: The HTTP body.
        content_encoding: The `Content-Encoding` header: `None`/`identity` or `zstd`.

    Returns:
        The request. Dense tensors are float32/int64 arrays in their declared shape (bf16 and
        int32 widened; 1-D when no shape was sent), sparse tensors `SparseCsrArray`. Per key
        the v2 config wins over the legacy map; an empty config decodes as `None`. Arrays may
        be read-only views over the body.

    Raises:
        ProtoDecodeError: For an unknown content encoding, a corrupt zstd frame, malformed
            protobuf, or inconsistent arrays; the message names the field.
    """
    raw = decompress_body(body, content_encoding)
    try:
        msg = pb.ForwardBackwardRequest.FromString(raw)
    except _PbDecodeError as exc:
        raise ProtoDecodeError(f"ForwardBackwardRequest: malformed protobuf ({exc})") from exc
    return ForwardBackwardRequestArrays(
        model_id=msg.model_id,
        seq_id=msg.seq_id,
        data=[_datum(datum, f"data[{index}]") for index, datum in enumerate(msg.data)],
        loss_fn=msg.loss_fn,
        loss_fn_config=_config(msg),
        forward_only=msg.forward_only,
    )


def _config(msg: pb.ForwardBackwardRequest) -> dict[str, float | str] | None:
    config: dict[str, float | str] = dict(msg.loss_fn_config.items())
    for key, value in msg.loss_fn_config_v2.items():
        which = value.WhichOneof("value")
        if which is None:
            raise ProtoDecodeError(f"loss_fn_config_v2[{key!r}]: neither number nor text is set")
        config[key] = value.number if which == "number" else value.text
    return config or None


def _datum(msg: pb.Datum, where: str) -> ProtoDatum:
    chunks = [_chunk(chunk, f"{where}.model_input[{j}]") for j, chunk in enumerate(msg.model_input)]
    inputs = {
        name: read_tensor(tensor, f"{where}.loss_fn_inputs[{name!r}]")
        for name, tensor in msg.loss_fn_inputs.items()
    }
    return ProtoDatum(
        chunks=chunks,
        loss_fn_inputs=inputs,
        model_input_spans=_spans(msg.model_input_spans, f"{where}.model_input_spans"),
        loss_fn_input_spans=_spans(msg.loss_fn_input_spans, f"{where}.loss_fn_input_spans"),
    )


def _chunk(msg: pb.Chunk, where: str) -> ModelInputChunk:
    which = msg.WhichOneof("chunk")
    if which == "encoded_text":
        return TextChunk(frombuffer_checked(msg.encoded_text.tokens, "<i4", f"{where}.tokens"))
    if which == "image":
        image = msg.image
        expected = image.expected_tokens if image.HasField("expected_tokens") else None
        return ImageChunk(data=image.data, format=image.format, expected_tokens=expected)
    if which == "dmel":
        return DmelChunk(dmel=msg.dmel.dmel)
    raise ProtoDecodeError(f"{where}: chunk has no content")


def _spans(spans: Iterable[pb.ProvenanceSpan], where: str) -> tuple[Span, ...]:
    out: list[Span] = []
    for j, holder in enumerate(spans):
        which = holder.WhichOneof("span")
        if which == "prompt_tokens":
            prompt = holder.prompt_tokens
            out.append(Span("prompt", prompt.sequence_id, prompt.offset, prompt.length))
        elif which == "sampled_tokens":
            sampled = holder.sampled_tokens
            out.append(Span("sampled", sampled.sequence_id, sampled.offset, sampled.length))
        else:
            raise ProtoDecodeError(f"{where}[{j}]: span has no content")
    return tuple(out)
