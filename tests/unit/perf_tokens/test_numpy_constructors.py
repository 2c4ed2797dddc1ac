"""`ModelInput.from_numpy` and `Datum.from_numpy`: arrays end to end, typed errors, same wire."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.adapters.protobuf_codec import ProtobufCodec
from tinkex.clients.training_checks import validate_data
from tinkex.domain.types import (
    Datum,
    EncodedTextChunk,
    ForwardBackwardRequest,
    ModelInput,
    TensorData,
)
from tinkex.errors import ValidationError
from tinkex.proto import wire

IDS = [(i * 7919) % 150_000 for i in range(257)]


def _request(data: list[Datum]) -> ForwardBackwardRequest:
    return ForwardBackwardRequest(model_id="m", seq_id=1, data=data, loss_fn="cross_entropy")


def test_model_input_holds_an_int32_view_of_an_int32_array() -> None:
    ids = np.array(IDS, dtype=np.int32)
    chunk = ModelInput.from_numpy(ids).chunks[0]
    assert isinstance(chunk, EncodedTextChunk)
    assert chunk.tokens is ids


@pytest.mark.parametrize("dtype", [np.int64, np.int16, np.uint32, np.uint64])
def test_model_input_narrows_other_integer_arrays_to_int32(dtype: Any) -> None:
    ids = [i % 30_000 for i in IDS[:100]]
    model_input = ModelInput.from_numpy(np.array(ids, dtype=dtype))
    chunk = model_input.chunks[0]
    assert isinstance(chunk, EncodedTextChunk)
    assert chunk.tokens.dtype == np.int32
    assert chunk.tokens.tolist() == ids
    assert model_input.length == 100
    assert model_input == ModelInput.from_ints(ids)


def test_a_strided_array_is_stored_contiguous() -> None:
    ids = np.array(IDS, dtype=np.int32)[::2]
    chunk = ModelInput.from_numpy(ids).chunks[0]
    assert isinstance(chunk, EncodedTextChunk)
    assert chunk.tokens.flags.c_contiguous
    assert chunk.tokens.tolist() == IDS[::2]


@pytest.mark.parametrize(
    ("tokens", "message", "field"),
    [
        ([1, 2, 3], "numpy integer array, got list", "tokens"),
        ((1, 2), "numpy integer array, got tuple", "tokens"),
        (np.array([1.0, 2.0]), "integers, got dtype float64", "tokens"),
        (np.array([True, False]), "integers, got dtype bool", "tokens"),
        (np.zeros((2, 3), dtype=np.int32), r"1-D, got shape \(2, 3\)", "tokens"),
        (np.int32(5), "numpy integer array, got int32", "tokens"),
        (np.array(5), r"1-D, got shape \(\)", "tokens"),
        (np.array([3, -1, 4], dtype=np.int64), "non-negative int32.*-1", "tokens[1]"),
        (np.array([0, 2**31], dtype=np.int64), "non-negative int32", "tokens[1]"),
        (np.array([2**63], dtype=np.uint64), "non-negative int32", "tokens[0]"),
    ],
)
def test_model_input_refuses_what_is_not_token_ids(tokens: Any, message: str, field: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        ModelInput.from_numpy(tokens)
    assert caught.value.field == field


def test_an_empty_array_is_an_empty_chunk() -> None:
    assert ModelInput.from_numpy(np.zeros(0, dtype=np.int64)).length == 0


def _datum(ids: np.ndarray[Any, Any]) -> Datum:
    return Datum.from_numpy(
        ids[:-1], target_tokens=ids[1:], weights=np.linspace(0, 1, len(ids) - 1)
    )


def test_datum_converts_each_loss_input_to_its_wire_dtype() -> None:
    datum = _datum(np.array(IDS, dtype=np.int64))
    targets, weights = datum.loss_fn_inputs["target_tokens"], datum.loss_fn_inputs["weights"]
    assert isinstance(targets, TensorData)
    assert (targets.dtype, targets.shape) == ("int64", [256])
    assert targets.to_numpy().tolist() == IDS[1:]
    assert (weights.dtype, weights.data.dtype) == ("float32", np.float32)
    assert datum.model_input.length == 256
    assert validate_data([datum], "cross_entropy") == [datum]


def test_datum_views_arrays_already_in_the_wire_dtype() -> None:
    targets = np.array(IDS[1:], dtype=np.int64)
    weights = np.ones(len(IDS) - 1, dtype=np.float32)
    datum = Datum.from_numpy(np.array(IDS[:-1]), target_tokens=targets, weights=weights)
    assert np.shares_memory(datum.loss_fn_inputs["target_tokens"].data, targets)
    assert np.shares_memory(datum.loss_fn_inputs["weights"].data, weights)


def test_datum_passes_tensor_data_through() -> None:
    mask = TensorData.from_numpy(np.ones(3, dtype=np.float32))
    datum = Datum.from_numpy(np.array([1, 2, 3]), weights=mask)
    assert datum.loss_fn_inputs["weights"] is mask


@pytest.mark.parametrize(
    ("inputs", "message", "field"),
    [
        ({"weights": [1.0, 1.0]}, "numpy array, got list", "loss_fn_inputs['weights']"),
        (
            {"target_tokens": np.array([1, 2], dtype=np.uint8)},
            "not supported",
            "loss_fn_inputs['target_tokens']",
        ),
        (
            {"weights": np.array([np.nan, 1.0])},
            "NaN",
            "loss_fn_inputs['weights']",
        ),
        (
            {"target_tokens": np.array([1.5, 2.0])},
            "whole numbers",
            "loss_fn_inputs['target_tokens']",
        ),
    ],
)
def test_datum_refuses_bad_loss_inputs_naming_the_key(
    inputs: dict[str, Any], message: str, field: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        Datum.from_numpy(np.array([1, 2]), **inputs)
    assert caught.value.field == field


def test_datum_refuses_bad_tokens_as_model_input_does() -> None:
    with pytest.raises(ValidationError, match="1-D") as caught:
        Datum.from_numpy(np.zeros((2, 2), dtype=np.int64), weights=np.ones(2))
    assert caught.value.field == "tokens"


def test_protobuf_body_matches_the_list_built_datum_and_decodes_back() -> None:
    ids = np.array(IDS, dtype=np.int64)
    from_lists = Datum(
        model_input=ModelInput.from_ints(IDS[:-1]),
        loss_fn_inputs={"target_tokens": IDS[1:], "weights": [0.5] * (len(IDS) - 1)},
    )
    from_arrays = Datum.from_numpy(
        ids[:-1], target_tokens=ids[1:], weights=np.full(len(IDS) - 1, 0.5, dtype=np.float32)
    )
    codec = ProtobufCodec()
    body = codec.encode(_request(validate_data([from_arrays], "cross_entropy")))
    assert body == codec.encode(_request(validate_data([from_lists], "cross_entropy")))
    decoded = wire.decode_forward_backward_request(body).data[0]
    chunk = decoded.chunks[0]
    assert isinstance(chunk, wire.TextChunk)
    assert chunk.tokens.tolist() == IDS[:-1]


def test_json_round_trip_gives_back_an_equal_datum() -> None:
    datum = _datum(np.array(IDS, dtype=np.int64))
    codec = MsgspecJsonCodec()
    decoded = codec.decode(codec.encode(datum), Datum)
    assert decoded == datum
    assert decoded.model_input.to_ints() == IDS[:-1]
