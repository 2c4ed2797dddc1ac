"""The `SampleResponse` protobuf body: server encode, client decode."""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from google.protobuf.message import DecodeError as _PbDecodeError

from tinkex.proto import messages as pb
from tinkex.proto.arrays import (
    Array,
    ProtoDecodeError,
    SampleResponseArrays,
    SequenceArrays,
    SparseCsrArray,
    TopkArrays,
    int32_tokens,
)
from tinkex.proto.tensors import fill_tensor, frombuffer_checked, read_tensor

__all__ = ["decode_sample_response", "encode_sample_response"]

_STOP_TO_WIRE: Final[dict[str, int]] = {
    "stop": pb.STOP_REASON_STOP,
    "length": pb.STOP_REASON_LENGTH,
}
_WIRE_TO_STOP: Final[dict[int, Literal["stop", "length"]]] = {
    pb.STOP_REASON_STOP: "stop",
    pb.STOP_REASON_LENGTH: "length",
}


# --------------------------------------------------------------------------- encode


def encode_sample_response(resp: SampleResponseArrays) -> bytes:
    """Serialize a sample result.

    Args:
        resp: The result. `None` fields are left out; an empty logprobs array is written
            as empty bytes (which clients read back as `None`).

    Returns:
        The `application/x-protobuf` body.

    Raises:
        ValueError: For an unknown stop reason, token ids outside int32, or a top-k table
            whose two arrays are not the same 2-D shape.
    """
    msg = pb.SampleResponse(prompt_cache_hit_tokens=resp.prompt_cache_hit_tokens)
    for index, seq in enumerate(resp.sequences):
        wire_seq = msg.sequences.add()
        stop = _STOP_TO_WIRE.get(seq.stop_reason)
        if stop is None:
            raise ValueError(f"sequences[{index}]: unknown stop reason {seq.stop_reason!r}")
        wire_seq.stop_reason = stop  # type: ignore[assignment]  # stubs want the enum wrapper
        wire_seq.tokens = int32_tokens(seq.tokens).tobytes()
        if seq.logprobs is not None:
            wire_seq.logprobs = _float32_bytes(seq.logprobs)
        if seq.topk is not None:
            _fill_topk(wire_seq.topk_sampled_logprobs, seq.topk, f"sequences[{index}].topk")
    if resp.prompt_logprobs is not None:
        msg.prompt_logprobs = _float32_bytes(resp.prompt_logprobs)
    if resp.topk_prompt_logprobs is not None:
        _fill_topk(msg.topk_prompt_logprobs, resp.topk_prompt_logprobs, "topk_prompt_logprobs")
    if resp.target_prompt_logprobs is not None:
        fill_tensor(
            msg.target_prompt_logprobs,
            resp.target_prompt_logprobs,
            "target_prompt_logprobs",
            dtype=pb.DTYPE_FLOAT32,
        )
    if resp.prompt_alt_tokens is not None:
        tokens, logprobs = resp.prompt_alt_tokens
        alt = msg.prompt_alt_tokens
        fill_tensor(
            alt.tokens,
            int32_tokens(np.asarray(tokens).ravel()).reshape(np.shape(tokens)),
            "prompt_alt_tokens.tokens",
            dtype=pb.DTYPE_INT32,
        )
        fill_tensor(alt.logprobs, logprobs, "prompt_alt_tokens.logprobs", dtype=pb.DTYPE_FLOAT32)
    return msg.SerializeToString()


def _float32_bytes(values: Array) -> bytes:
    return np.asarray(values).astype("<f4", copy=False).tobytes()


def _fill_topk(msg: pb.TopkLogprobs, topk: TopkArrays, what: str) -> None:
    ids = np.asarray(topk.token_ids)
    logprobs = np.asarray(topk.logprobs)
    if ids.ndim != 2 or ids.shape != logprobs.shape:
        raise ValueError(f"{what}: token_ids and logprobs must share one (n, k) shape")
    n, k = ids.shape
    msg.length = n
    msg.k = k
    msg.token_ids = int32_tokens(ids.ravel()).tobytes()
    msg.logprobs = _float32_bytes(logprobs)


# --------------------------------------------------------------------------- decode


def decode_sample_response(body: bytes) -> SampleResponseArrays:
    """Parse a sample result (the client side of the wire).

    Args:
        body: The protobuf body of a completed future.

    Returns:
        The result, with writable arrays: tokens int32, logprobs float32 (`None` when the
        bytes are empty), top-k tables `(n, k)` (`None` when n or k is 0), target prompt
        logprobs float32 in the request's layout, alt tokens widened to int64.

    Raises:
        ProtoDecodeError: For malformed protobuf, an unknown stop reason, or arrays whose
            byte lengths do not match their declared sizes; the message names the field.
    """
    try:
        msg = pb.SampleResponse.FromString(body)
    except _PbDecodeError as exc:
        raise ProtoDecodeError(f"SampleResponse: malformed protobuf ({exc})") from exc
    sequences = [_sequence(seq, f"sequences[{i}]") for i, seq in enumerate(msg.sequences)]
    prompt_logprobs = (
        _floats(msg.prompt_logprobs, "prompt_logprobs") if msg.prompt_logprobs else None
    )
    topk_prompt = (
        _topk(msg.topk_prompt_logprobs, "topk_prompt_logprobs")
        if msg.HasField("topk_prompt_logprobs")
        else None
    )
    target = (
        _writable(read_tensor(msg.target_prompt_logprobs, "target_prompt_logprobs"))
        if msg.HasField("target_prompt_logprobs")
        else None
    )
    alt = _alt_tokens(msg.prompt_alt_tokens) if msg.HasField("prompt_alt_tokens") else None
    return SampleResponseArrays(
        sequences=sequences,
        prompt_logprobs=prompt_logprobs,
        topk_prompt_logprobs=topk_prompt,
        prompt_cache_hit_tokens=msg.prompt_cache_hit_tokens,
        target_prompt_logprobs=target,
        prompt_alt_tokens=alt,
    )


def _sequence(msg: pb.SampledSequence, where: str) -> SequenceArrays:
    stop = _WIRE_TO_STOP.get(msg.stop_reason)
    if stop is None:
        raise ProtoDecodeError(f"{where}.stop_reason: unknown enum value {msg.stop_reason}")
    return SequenceArrays(
        tokens=frombuffer_checked(msg.tokens, "<i4", f"{where}.tokens").astype(np.int32),
        logprobs=_floats(msg.logprobs, f"{where}.logprobs") if msg.logprobs else None,
        stop_reason=stop,
        topk=(
            _topk(msg.topk_sampled_logprobs, f"{where}.topk_sampled_logprobs")
            if msg.HasField("topk_sampled_logprobs")
            else None
        ),
    )


def _floats(buf: bytes, where: str) -> Array:
    # astype without copy=False always copies, giving a writable native-order array.
    return frombuffer_checked(buf, "<f4", where).astype(np.float32)


def _topk(msg: pb.TopkLogprobs, where: str) -> TopkArrays | None:
    n, k = msg.length, msg.k
    if n == 0 or k == 0:
        return None
    for name, buf in (("token_ids", msg.token_ids), ("logprobs", msg.logprobs)):
        if len(buf) != n * k * 4:
            raise ProtoDecodeError(f"{where}.{name}: {len(buf)} bytes for a {n}x{k} table")
    return TopkArrays(
        token_ids=np.frombuffer(msg.token_ids, dtype="<i4").astype(np.int32).reshape(n, k),
        logprobs=np.frombuffer(msg.logprobs, dtype="<f4").astype(np.float32).reshape(n, k),
    )


def _writable(value: Array | SparseCsrArray) -> Array | SparseCsrArray:
    if isinstance(value, SparseCsrArray):
        return SparseCsrArray(
            values=value.values.copy(),
            crow_indices=value.crow_indices.copy(),
            col_indices=value.col_indices.copy(),
            shape=value.shape,
        )
    return value if value.flags.writeable else value.copy()


def _alt_tokens(msg: pb.PromptAltTokens) -> tuple[Array, Array]:
    parts: list[Array] = []
    for name, tensor in (("tokens", msg.tokens), ("logprobs", msg.logprobs)):
        value = _writable(read_tensor(tensor, f"prompt_alt_tokens.{name}"))
        if isinstance(value, SparseCsrArray):
            raise ProtoDecodeError(f"prompt_alt_tokens.{name}: must be dense")
        parts.append(value)
    tokens, logprobs = parts
    if tokens.shape != logprobs.shape:
        raise ProtoDecodeError(
            f"prompt_alt_tokens: tokens shape {tokens.shape} != logprobs shape {logprobs.shape}"
        )
    return tokens, logprobs
