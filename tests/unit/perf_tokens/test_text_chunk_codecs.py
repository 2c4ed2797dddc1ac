"""Array-held tokens go on both wires exactly like the list form, and every reader copes."""

from __future__ import annotations

import numpy as np
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.adapters.protobuf_codec import ProtobufCodec, _token_array
from tinkex.clients.sampling_checks import prompt_bytes
from tinkex.clients.training_checks import validate_data
from tinkex.clients.training_wire import datum_bytes
from tinkex.domain.types import (
    Datum,
    EncodedTextChunk,
    ForwardBackwardRequest,
    LossFnInput,
    ModelInput,
)
from tinkex.proto import wire


def _request(model_input: ModelInput) -> ForwardBackwardRequest:
    targets = np.arange(model_input.length, dtype=np.int64)
    weights = np.ones(model_input.length, dtype=np.float32)
    inputs: dict[str, LossFnInput] = {"target_tokens": targets, "weights": weights}
    datum = Datum(model_input=model_input, loss_fn_inputs=inputs)
    return ForwardBackwardRequest(model_id="m", seq_id=1, data=[datum], loss_fn="cross_entropy")


def test_json_writes_an_array_chunk_like_the_list_chunk() -> None:
    codec = MsgspecJsonCodec()
    encoded = codec.encode(EncodedTextChunk(tokens=np.array([1, 2, 3])))
    assert encoded == b'{"type":"encoded_text","tokens":[1,2,3]}'
    assert encoded == codec.encode(EncodedTextChunk(tokens=[1, 2, 3]))
    decoded = codec.decode(encoded, EncodedTextChunk)
    assert decoded.tokens == [1, 2, 3]
    assert decoded == EncodedTextChunk(tokens=np.array([1, 2, 3]))


def test_protobuf_body_is_the_same_for_array_and_list_tokens() -> None:
    ids = [(i * 31) % 50_000 for i in range(300)]
    codec = ProtobufCodec()
    from_list = codec.encode(_request(ModelInput.from_ints(ids)))
    from_array = codec.encode(_request(ModelInput.from_ints(np.array(ids, dtype=np.int64))))
    assert from_array == from_list
    decoded = wire.decode_forward_backward_request(from_array)
    chunk = decoded.data[0].chunks[0]
    assert isinstance(chunk, wire.TextChunk)
    assert chunk.tokens.tolist() == ids


def test_int32_array_is_handed_to_the_wire_without_copy() -> None:
    chunk = EncodedTextChunk(tokens=np.array([4, 5, 6], dtype=np.int32))
    assert _token_array(chunk.tokens) is chunk.tokens
    assert wire.TextChunk(tokens=_token_array(chunk.tokens)).tokens is chunk.tokens


def test_ids_beyond_int32_are_refused_on_send_in_both_forms() -> None:
    codec = ProtobufCodec()
    for tokens in ([1, 2**40], np.array([1, 2**40], dtype=np.int64)):
        with pytest.raises(ValueError, match="int32"):
            codec.encode(_request(ModelInput.from_ints(tokens)))


def test_size_estimates_and_checks_read_array_chunks() -> None:
    ids = list(range(1, 65))
    as_list, as_array = ModelInput.from_ints(ids), ModelInput.from_ints(np.array(ids))
    assert prompt_bytes(as_array) == prompt_bytes(as_list) > 0
    list_datum, array_datum = _request(as_list).data[0], _request(as_array).data[0]
    assert datum_bytes(array_datum) == datum_bytes(list_datum) > 0
    assert validate_data([array_datum], "cross_entropy") == [array_datum]
