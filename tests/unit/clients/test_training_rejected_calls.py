"""A call refused by validation sends nothing, reserves no seq_id and leaves the client working.

The cases are the ones issue 15 found poisoning a TrainingClient for good (a lone surrogate in
``loss_fn`` or a config key, a token id of 2**63-1) plus their neighbours: each one now raises a
`ValidationError` naming the field, and the next forward_backward + optim_step go out with the
next seq_ids, as if the bad call had never been made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from training_fixtures import batch, recorded_service, seq_id_of, tiny_training

from tinkex.domain.limits import MAX_LEARNING_RATE, MAX_TOKEN_ID
from tinkex.domain.types import (
    AdamParams,
    Datum,
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    PromptProvenanceSpan,
    TensorData,
)
from tinkex.errors import ValidationError
from tinkex.proto.wire import decode_forward_backward_request

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tinkex.clients.training import TrainingClient
    from tinkex.ports.transport import HttpRequest

SURROGATE = "\udcff"


def _tokens(tokens: Any, *, targets: Any = None) -> Datum:
    """A cross-entropy datum whose model input holds `tokens` as given (unchecked)."""
    count = len(tokens)
    return Datum(
        model_input=ModelInput(chunks=[EncodedTextChunk(tokens=tokens)]),
        loss_fn_inputs={
            "target_tokens": targets if targets is not None else np.arange(count) + 10,
            "weights": np.ones(count, dtype=np.float32),
        },
    )


def _target(data: list[Any], dtype: Any = "int64") -> Datum:
    return Datum(
        model_input=ModelInput.from_ints([10, 11, 12]),
        loss_fn_inputs={
            "target_tokens": TensorData(data=data, dtype=dtype),
            "weights": TensorData(data=[1.0, 1.0, 1.0], dtype="float32"),
        },
    )


def _with_chunk(chunk: Any) -> Datum:
    return Datum(
        model_input=ModelInput(chunks=[EncodedTextChunk(tokens=[10, 11]), chunk]),
        loss_fn_inputs={},
    )


REJECTED: list[tuple[str, Callable[[TrainingClient], object], str]] = [
    (
        "surrogate loss_fn",
        lambda t: t.forward_backward(batch(1), SURROGATE),  # type: ignore[arg-type]
        "loss_fn",
    ),
    ("loss_fn not a str", lambda t: t.forward_backward(batch(1), 5), "loss_fn"),  # type: ignore[arg-type]
    (
        "surrogate config key",
        lambda t: t.forward_backward(batch(1), "cross_entropy", {SURROGATE: 1.0}),
        "loss_fn_config key '\\udcff'",
    ),
    (
        "surrogate config value",
        lambda t: t.forward_backward(batch(1), "cross_entropy", {"mode": SURROGATE}),
        "loss_fn_config['mode']",
    ),
    (
        "config not a mapping",
        lambda t: t.forward_backward(batch(1), "cross_entropy", [("a", 1.0)]),  # type: ignore[arg-type]
        "loss_fn_config",
    ),
    (
        "config int beyond float",
        lambda t: t.forward_backward(batch(1), "cross_entropy", {"beta": 10**400}),
        "loss_fn_config['beta']",
    ),
    (
        "token id 2**63-1 in a list",
        lambda t: t.forward_backward([_tokens([2**63 - 1, 3])], "cross_entropy"),
        "data[0].model_input.chunks[0].tokens[0]",
    ),
    (
        "token id 2**63-1 in an array",
        lambda t: t.forward_backward(
            [_tokens(np.array([3, 2**63 - 1], dtype=np.int64))], "cross_entropy"
        ),
        "data[0].model_input.chunks[0].tokens[1]",
    ),
    (
        "negative token id in an int32 array",
        lambda t: t.forward_backward([_tokens(np.array([3, -1], dtype=np.int32))], "cross_entropy"),
        "data[0].model_input.chunks[0].tokens[1]",
    ),
    (
        "float token",
        lambda t: t.forward([_tokens([3, 4.5])], "cross_entropy"),
        "data[0].model_input.chunks[0].tokens[1]",
    ),
    (
        "bool token",
        lambda t: t.forward([_tokens([1, True])], "cross_entropy"),
        "data[0].model_input.chunks[0].tokens[1]",
    ),
    (
        "target token beyond int32",
        lambda t: t.forward_backward([_target([11, MAX_TOKEN_ID + 1, 13])], "cross_entropy"),
        "data[0].loss_fn_inputs['target_tokens']",
    ),
    (
        "negative target token",
        lambda t: t.forward_backward([_target([11, -100, 13])], "cross_entropy"),
        "data[0].loss_fn_inputs['target_tokens']",
    ),
    (
        "float32 target tokens",
        lambda t: t.forward_backward([_target([11.0, 12.0, 13.0], "float32")], "cross_entropy"),
        "data[0].loss_fn_inputs['target_tokens']",
    ),
    (
        "custom loss with targets shorter than the input",
        lambda t: t.forward_backward_custom(
            [_target([11, 12])], lambda d, lp: (0.0, [np.zeros_like(x) for x in lp], {})
        ),
        "data[0].loss_fn_inputs['target_tokens']",
    ),
    (
        "loss input given as a dict that is not a tensor",
        lambda t: t.forward(
            [
                Datum(
                    model_input=ModelInput.from_ints([1, 2]),
                    loss_fn_inputs={"target_tokens": {SURROGATE: None}},  # type: ignore[dict-item]
                )
            ],
            "cross_entropy",
        ),
        "loss_fn_inputs['target_tokens']",
    ),
    (
        "image pointer in training",
        lambda t: t.forward(
            [
                _with_chunk(
                    ImageAssetPointerChunk(format="png", location="s3://x", expected_tokens=1)
                )
            ],
            "cross_entropy",
        ),
        "data[0].model_input.chunks[1]",
    ),
    (
        "image without expected_tokens",
        lambda t: t.forward([_with_chunk(ImageChunk(data=b"png", format="png"))], "cross_entropy"),
        "data[0].model_input.chunks[1].expected_tokens",
    ),
    (
        "span with a surrogate id",
        lambda t: t.forward(
            [
                Datum(
                    model_input=ModelInput.from_ints([1, 2]),
                    model_input_spans=[PromptProvenanceSpan(sequence_id=SURROGATE, length=2)],
                    loss_fn_input_spans=[],
                )
            ],
            "cross_entropy",
        ),
        "data[0].model_input_spans[0].sequence_id",
    ),
    (
        "learning rate 1e308",
        lambda t: t.optim_step(AdamParams(learning_rate=1e308)),
        "optim_params.learning_rate",
    ),
    (
        "learning rate above the limit",
        lambda t: t.optim_step(AdamParams(learning_rate=MAX_LEARNING_RATE * 2)),
        "optim_params.learning_rate",
    ),
    (
        "learning rate an int beyond float",
        lambda t: t.optim_step(AdamParams(learning_rate=10**400)),
        "optim_params.learning_rate",
    ),
    (
        "infinite weight decay",
        lambda t: t.optim_step(AdamParams(weight_decay=float("inf"))),
        "optim_params.weight_decay",
    ),
    ("surrogate checkpoint name", lambda t: t.save_state(f"ck{SURROGATE}"), "name"),
    ("'..' as a checkpoint name", lambda t: t.save_weights_for_sampler(".."), "name"),
    (
        "metadata value not a str",
        lambda t: t.save_state("ck", user_metadata={"step": 3}),  # type: ignore[dict-item]
        "user_metadata['step']",
    ),
    ("overwrite not a bool", lambda t: t.save_state("ck", overwrite="yes"), "overwrite"),  # type: ignore[arg-type]
    (
        "recipients not a list",
        lambda t: t.save_weights_external("ck", age_encryption_recipients=5),  # type: ignore[arg-type]
        "age_encryption_recipients",
    ),
    ("path not a str", lambda t: t.load_state(5), "path"),  # type: ignore[arg-type]
    ("surrogate path", lambda t: t.load_state(f"tinker://r/weights/{SURROGATE}"), "path"),
    ("'..' in a path", lambda t: t.load_state("tinker://../weights/x"), "path"),
    (
        "surrogate access token",
        lambda t: t.load_state("tinker://r:train:0/weights/a", SURROGATE),
        "weights_access_token",
    ),
    (
        "unknown sampler kind",
        lambda t: t.save_weights_and_get_sampling_client(kind="live"),  # type: ignore[arg-type]
        "kind",
    ),
]


async def test_a_rejected_call_leaves_the_client_working(tmp_path: Path) -> None:
    """After each refused call a forward_backward + optim_step succeed on the next seq_ids."""
    async with recorded_service(tmp_path) as (service, recorder):
        training = await tiny_training(service)
        good_steps = 0
        for name, call, field in REJECTED:
            sent = len(recorder.sent)
            with pytest.raises(ValidationError) as raised:
                call(training)
            assert (name, raised.value.field) == (name, field)
            assert (name, len(recorder.sent)) == (name, sent)
            assert (name, training._submitter.sequencer.poisoned) == (name, None)
            output = await training.forward_backward(batch(2), "cross_entropy")
            await training.optim_step(AdamParams(learning_rate=1e-3))
            assert np.isfinite(output.metrics["loss:sum"])
            good_steps += 1
        steps = recorder.to("forward_backward", "optim_step")
        assert [seq_id_of(r) for r in steps] == list(range(1, 2 * good_steps + 1))


@pytest.mark.parametrize("tokens", [[10, 11, 12, 13], np.array([10, 11, 12, 13], np.int32)])
async def test_list_tokens_are_sent_packed_and_the_datum_is_untouched(
    tmp_path: Path, tokens: Any
) -> None:
    """A list-held datum is sent and scored like the array-held one; the caller's is kept."""
    targets = np.array([11, 12, 13, 14])
    async with recorded_service(tmp_path) as (service, recorder):
        training = await tiny_training(service)
        given = _tokens(tokens, targets=targets)
        stored = _first_chunk_tokens(given)
        mine = await training.forward([given], "cross_entropy")
        reference = await training.forward(
            [_tokens(np.array([10, 11, 12, 13], np.int32), targets=targets)], "cross_entropy"
        )
        sent = [_tokens_sent(r) for r in recorder.to("forward_backward")]
        assert sent == [[10, 11, 12, 13], [10, 11, 12, 13]]
        assert np.array_equal(
            mine.loss_fn_outputs[0]["logprobs"].to_numpy(),
            reference.loss_fn_outputs[0]["logprobs"].to_numpy(),
        )
        assert _first_chunk_tokens(given) is stored


def _first_chunk_tokens(datum: Datum) -> Any:
    chunk = datum.model_input.chunks[0]
    assert isinstance(chunk, EncodedTextChunk)
    return chunk.tokens


def _tokens_sent(request: HttpRequest) -> list[int]:
    decoded = decode_forward_backward_request(
        request.body or b"", content_encoding=request.header("Content-Encoding")
    )
    return [int(t) for chunk in decoded.data[0].chunks for t in chunk.tokens]  # type: ignore[union-attr]
