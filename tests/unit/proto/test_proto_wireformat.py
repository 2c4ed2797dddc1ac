"""Property tests: our hand-written wire bytes agree with the protobuf runtime."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinkex.proto import messages as pb
from tinkex.proto.wire import (
    ForwardBackwardRequestArrays,
    ProtoDatum,
    Span,
    TextChunk,
    decode_forward_backward_request,
    encode_forward_backward_request,
)
from tinkex.proto.wireformat import Pieces, add_string, add_varint, key, varint

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(offset=INT64, length=INT64)
def test_varints_match_the_protobuf_runtime(offset: int, length: int) -> None:
    """Any int64, negative ones included, round-trips through a runtime-parsed message."""
    out: Pieces = []
    add_string(out, key(1, 2), "s")
    add_varint(out, key(2, 0), offset)
    add_varint(out, key(3, 0), length)
    msg = pb.PromptProvenanceSpan.FromString(b"".join(out))
    assert (msg.sequence_id, msg.offset, msg.length) == ("s", offset, length)
    expected = key(2, 0) + varint(offset) if offset else b""  # proto3 omits the default 0
    assert pb.PromptProvenanceSpan(offset=offset).SerializeToString() == expected


@given(value=st.integers(min_value=0, max_value=2**22))
def test_short_varints_are_the_runtime_bytes(value: int) -> None:
    """The one-, two- and three-byte fast paths write what the protobuf runtime writes."""
    expected = key(2, 0) + varint(value) if value else b""
    assert pb.PromptProvenanceSpan(offset=value).SerializeToString() == expected
    for edge in (16383, 16384, 2**21 - 1, 2**21):
        assert pb.PromptProvenanceSpan(offset=edge).SerializeToString() == key(2, 0) + varint(edge)


_shapes = st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=3)


@st.composite
def _datums(draw: st.DrawFn) -> ProtoDatum:
    tokens = draw(st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), max_size=6))
    inputs: dict[str, np.ndarray[Any, Any]] = {}
    for name in draw(st.lists(st.sampled_from(["a", "b", "weights", "é"]), unique=True)):
        shape = tuple(draw(_shapes))
        kind = draw(st.sampled_from(["float64", "float32", "int32", "int64", "uint8"]))
        inputs[name] = np.arange(int(np.prod(shape)), dtype=kind).reshape(shape) - 1
    spans = draw(
        st.lists(
            st.builds(
                Span,
                st.sampled_from(["prompt", "sampled"]),
                st.text(max_size=3),
                st.integers(min_value=0, max_value=2**40),
                st.integers(min_value=0, max_value=300),
            ),
            max_size=2,
        )
    )
    return ProtoDatum([TextChunk(np.array(tokens, dtype=np.int64))], inputs, spans, spans[::-1])


@settings(max_examples=60, deadline=None)
@given(
    datums=st.lists(_datums(), max_size=3),
    seq_id=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    forward_only=st.booleans(),
    config=st.dictionaries(
        st.text(max_size=4), st.floats(allow_nan=False) | st.text(max_size=4), max_size=3
    ),
)
def test_random_requests_round_trip_and_match_the_runtime(
    datums: list[ProtoDatum],
    seq_id: int,
    forward_only: bool,
    config: dict[str, float | str],
) -> None:
    """Random requests decode to what was sent, and re-serialize identically via the runtime."""
    req = ForwardBackwardRequestArrays("m", seq_id, datums, "ppo", config, forward_only)
    body = encode_forward_backward_request(req)
    msg = pb.ForwardBackwardRequest.FromString(body)
    assert len(msg.SerializeToString()) == len(body)
    back = decode_forward_backward_request(body)
    assert (back.seq_id, back.forward_only) == (seq_id, forward_only)
    assert (back.loss_fn_config or {}) == config
    assert len(back.data) == len(datums)
    for sent, got in zip(datums, back.data, strict=True):
        (chunk,) = got.chunks
        assert isinstance(chunk, TextChunk)
        assert isinstance(sent.chunks[0], TextChunk)
        assert chunk.tokens.tolist() == sent.chunks[0].tokens.tolist()
        assert tuple(got.model_input_spans) == tuple(sent.model_input_spans)
        assert tuple(got.loss_fn_input_spans) == tuple(sent.loss_fn_input_spans)
        assert set(got.loss_fn_inputs) == set(sent.loss_fn_inputs)
        for name, value in sent.loss_fn_inputs.items():
            decoded = got.loss_fn_inputs[name]
            assert isinstance(decoded, np.ndarray)
            assert isinstance(value, np.ndarray)
            assert decoded.shape == value.shape
            assert decoded.dtype == (np.float32 if value.dtype.kind == "f" else np.int64)
            assert decoded.tolist() == value.tolist()
