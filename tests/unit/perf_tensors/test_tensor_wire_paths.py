"""Array-held tensors through validation, byte estimates and the protobuf codec."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinkex.adapters.protobuf_codec import ProtobufCodec
from tinkex.clients.training_checks import validate_data
from tinkex.clients.training_wire import datum_bytes
from tinkex.errors import ValidationError
from tinkex.proto import wire
from tinkex.types import (
    Datum,
    ForwardBackwardOutput,
    ForwardBackwardRequest,
    ModelInput,
    TensorData,
)

TOKENS = [5, 6, 7, 8]


def _datum(**inputs: Any) -> Datum:
    return Datum(model_input=ModelInput.from_ints(TOKENS), loss_fn_inputs=inputs)


def _request(*data: Datum) -> ForwardBackwardRequest:
    return ForwardBackwardRequest(model_id="m", seq_id=1, data=list(data), loss_fn="cross_entropy")


def _numpy_datum() -> Datum:
    return _datum(
        target_tokens=np.array([6, 7, 8, 9], dtype=np.int64),
        weights=np.array([1.0, 0.5, 0.25, 0.0], dtype=np.float32),
    )


def _list_datum() -> Datum:
    return _datum(
        target_tokens=TensorData(data=[6, 7, 8, 9], dtype="int64", shape=[4]),
        weights=TensorData(data=[1.0, 0.5, 0.25, 0.0], dtype="float32", shape=[4]),
    )


@pytest.mark.parametrize(
    ("tensor", "message"),
    [
        (TensorData(data=np.array([1.0, np.nan], dtype=np.float32), dtype="float32"), "NaN"),
        (TensorData(data=np.array([1.0, np.inf], dtype=np.float32), dtype="float32"), "NaN"),
        (TensorData(data=np.array([1.5, 2.0]), dtype="int64"), "fractional"),
        (TensorData(data=np.array([True, False]), dtype="int64"), "not numbers"),
        (TensorData(data=np.zeros(3, dtype=np.float32), dtype="float32", shape=[2]), "needs 2"),
    ],
)
def test_array_tensors_are_checked_as_strictly_as_lists(tensor: TensorData, message: str) -> None:
    """NaN, infinities, fractional ints, non-numbers and bad shapes are refused, by field."""
    datum = _datum(bonus=tensor)
    with pytest.raises(ValidationError, match=message) as refused:
        validate_data([datum], "custom")
    assert refused.value.field == "data[0].loss_fn_inputs['bonus']"


def test_array_tensors_pass_validation_and_count_rows() -> None:
    """A well-formed numpy batch passes; a per-token input of another length does not."""
    assert validate_data([_numpy_datum()], "cross_entropy")
    short = _datum(target_tokens=np.arange(3, dtype=np.int64), weights=np.ones(3, np.float32))
    with pytest.raises(ValidationError, match="3 rows"):
        validate_data([short], "cross_entropy")


def test_byte_estimates_do_not_depend_on_the_storage() -> None:
    """datum_bytes counts 8 bytes per int64 and 4 per float32, list or array alike."""
    assert datum_bytes(_numpy_datum()) == datum_bytes(_list_datum())
    bigger = _datum(
        target_tokens=np.arange(4, dtype=np.int64), weights=np.ones(4, dtype=np.float32)
    )
    extra = _datum(
        target_tokens=np.arange(4, dtype=np.int64),
        weights=np.ones(4, dtype=np.float32),
        more=np.ones(100, dtype=np.float32),
    )
    assert datum_bytes(extra) - datum_bytes(bigger) >= 400


def test_protobuf_bodies_are_the_same_for_arrays_and_lists() -> None:
    """The encoder reads arrays without conversion and writes exactly the list form's bytes."""
    codec = ProtobufCodec()
    body = codec.encode(_request(_numpy_datum()))
    assert body == codec.encode(_request(_list_datum()))
    (sent,) = wire.decode_forward_backward_request(body).data
    weights = sent.loss_fn_inputs["weights"]
    assert isinstance(weights, np.ndarray)
    assert weights.tolist() == [1.0, 0.5, 0.25, 0.0]


def test_token_ids_beyond_int32_are_refused_with_the_range() -> None:
    """The fast token packing falls back to the checked path, which names the range."""
    datum = Datum(
        model_input=ModelInput.from_ints([1, 2**31]),
        loss_fn_inputs={"weights": np.ones(2, dtype=np.float32)},
    )
    with pytest.raises(ValueError, match="int32"):
        ProtobufCodec().encode(_request(datum))


def test_decoded_results_hold_arrays_not_lists() -> None:
    """forward_backward results stay numpy: no per-value Python objects are made."""
    outputs = [
        {"logprobs": np.linspace(-1, 0, 5, dtype=np.float32)},
        {"logprobs": np.linspace(-2, 0, 3, dtype=np.float32)},
    ]
    body = wire.encode_forward_backward_output(
        wire.ForwardBackwardOutputArrays(
            loss_fn_output_type="CrossEntropyLossReturn",
            loss_fn_outputs=outputs,
            metrics={"loss:sum": 1.5},
        )
    )
    result = ProtobufCodec().decode(body, ForwardBackwardOutput)
    for sent, got in zip(outputs, result.loss_fn_outputs, strict=True):
        tensor = got["logprobs"]
        assert isinstance(tensor.data, np.ndarray)
        assert tensor.dtype == "float32"
        np.testing.assert_array_equal(tensor.to_numpy(), sent["logprobs"])
