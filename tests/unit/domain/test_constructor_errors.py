"""Wrong-type input to the wire types' constructors is a ValidationError naming the field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from tinkex.domain.types import (
    Datum,
    EncodedTextChunk,
    ImageChunk,
    ModelInput,
    SampledSequence,
    SampleResponse,
    TensorData,
    TopkLogprobs,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable


def _junk(value: object) -> Any:
    """A hostile value, typed Any so the call under test type-checks."""
    return value


CASES: list[tuple[str, Callable[[], object], str]] = [
    ("from_ints(5)", lambda: ModelInput.from_ints(5), "tokens"),  # type: ignore[arg-type]
    ("from_ints(None)", lambda: ModelInput.from_ints(None), "tokens"),  # type: ignore[arg-type]
    ("from_ints of a string", lambda: ModelInput.from_ints(_junk("123")), "tokens"),
    ("from_ints of a float array", lambda: ModelInput.from_ints(np.ones(3)), "tokens"),
    ("chunks not a list", lambda: ModelInput(chunks=5), "chunks"),  # type: ignore[arg-type]
    ("chunk not a chunk", lambda: ModelInput(chunks=[[1, 2]]), "chunks[0]"),  # type: ignore[list-item]
    ("append a non-chunk", lambda: ModelInput.empty().append(3), "chunks[0]"),  # type: ignore[arg-type]
    ("append_int of a str", lambda: ModelInput.from_ints([1]).append_int("2"), "token"),  # type: ignore[arg-type]
    ("append_int of a bool", lambda: ModelInput.from_ints([1]).append_int(True), "token"),
    (
        "append_int beyond int64",
        lambda: ModelInput.from_ints(np.array([1], np.int32)).append_int(2**70),
        "token",
    ),
    ("tokens a dict", lambda: EncodedTextChunk(tokens={1: 2}), "tokens"),
    (
        "to_numpy wrong shape",
        lambda: TensorData(data=[1, 2, 3], dtype="int64", shape=[2, 2]).to_numpy(),
        "shape",
    ),
    (
        "to_numpy junk shape",
        lambda: TensorData(data=[1], dtype="int64", shape=_junk(["a"])).to_numpy(),
        "shape",
    ),
    (
        "to_numpy bool pad",
        lambda: TensorData(data=[1], dtype="int64").to_numpy(pad_value=True),
        "pad_value",
    ),
    (
        "to_numpy sparse junk",
        lambda: TensorData(
            data=[1],
            dtype="int64",
            shape=[2, 2],
            sparse_crow_indices=[0, 5, 1],
            sparse_col_indices=[9],
        ).to_numpy(),
        "sparse_col_indices",
    ),
    ("tolist of non-numbers", lambda: TensorData(data=["a"], dtype="float32").tolist(), "data"),
    (
        "values with an array as dtype",
        lambda: TensorData(data=["a"], dtype=_junk(np.array([1.5, 2.0]))).values,
        "data",
    ),
    ("TensorData data a set", lambda: TensorData(data={1}, dtype="int64"), "data"),
    ("from_numpy of strings", lambda: TensorData.from_numpy(np.array(["a"])), "array"),
    ("from_numpy ragged", lambda: TensorData.from_numpy([[1], [2, 3]]), "array"),  # type: ignore[arg-type]
    ("from_torch of a list", lambda: TensorData.from_torch([1.0]), "tensor"),
    ("Datum model_input a list", lambda: Datum(model_input=[1, 2]), "model_input"),  # type: ignore[arg-type]
    (
        "Datum inputs not a dict",
        lambda: Datum(model_input=ModelInput.from_ints([1]), loss_fn_inputs=[1]),  # type: ignore[arg-type]
        "loss_fn_inputs",
    ),
    (
        "Datum input key not a str",
        lambda: Datum(model_input=ModelInput.from_ints([1]), loss_fn_inputs={3: [1.0]}),  # type: ignore[dict-item]
        "loss_fn_inputs[3]",
    ),
    (
        "Datum target 2**63 as a float",
        lambda: Datum(
            model_input=ModelInput.from_ints([1]),
            loss_fn_inputs={"target_tokens": np.array([2.0**63])},
        ),
        "loss_fn_inputs['target_tokens']",
    ),
    ("from_numpy beyond float32", lambda: TensorData.from_numpy(np.array([1e308])), "array"),
    (
        "Datum weights beyond float32",
        lambda: Datum(model_input=ModelInput.from_ints([1]), loss_fn_inputs={"weights": [1e300]}),
        "loss_fn_inputs['weights']",
    ),
    (
        "Datum input a bad dict",
        lambda: Datum(
            model_input=ModelInput.from_ints([1]),
            loss_fn_inputs={"weights": {"data": 1}},  # type: ignore[dict-item]
        ),
        "loss_fn_inputs['weights']",
    ),
    (
        "sequence tokens of strings",
        lambda: SampledSequence(stop_reason="length", tokens_np=["a"]),
        "tokens_np",
    ),
    (
        "sequence token beyond int32",
        lambda: SampledSequence(stop_reason="length", tokens_np=[2**40]),
        "tokens_np",
    ),
    (
        "response logprobs junk",
        lambda: SampleResponse(sequences=[], prompt_logprobs_np=["x"]),
        "prompt_logprobs_np",
    ),
    ("top-k junk", lambda: TopkLogprobs(token_ids=[["a"]], logprobs=[[0.0]]), "token_ids"),
    ("top-k inf ids", lambda: TopkLogprobs(token_ids=[[np.inf]], logprobs=[[0.0]]), "token_ids"),
    (
        "image length junk",
        lambda: ImageChunk(data=b"", format="png", expected_tokens=_junk("3")).length,
        "expected_tokens",
    ),
]


@pytest.mark.parametrize(("name", "build", "field"), CASES, ids=[c[0] for c in CASES])
def test_wrong_type_input_names_the_field(name: str, build: Callable[[], Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        build()
    assert raised.value.field == field


def test_good_constructions_still_work() -> None:
    assert ModelInput.from_ints(range(3)).to_ints() == [0, 1, 2]
    assert ModelInput(chunks=(EncodedTextChunk(tokens=[1]),)).length == 1  # type: ignore[arg-type]
    data = TensorData(data=[1, 2, 3, 4], dtype="int64", shape=[2, 2])
    assert data.to_numpy().tolist() == [[1, 2], [3, 4]]
    assert ModelInput.from_ints(np.array([1], np.int32)).append_int(
        _junk(np.int64(5))
    ).to_ints() == [1, 5]
