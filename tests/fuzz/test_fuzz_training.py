"""Hypothesis over every TrainingClient method that takes user input (see `fuzz_fixtures`).

One training client serves all the cases of a test, so a rejected call that poisoned it, left a
reserved id unsent, or sent something would break the cases after it; each test ends with a
forward_backward + optim_step on that same client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fuzz_fixtures import TINY_MODEL, Harness, embedded_harness, examples, public_methods
from hostile import arguments
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from training_cases import (
    adam_arg,
    bool_or_bad,
    custom_loss_arg,
    data_arg,
    good_datum,
    kind_arg,
    loss_fn_arg,
    loss_fn_config_arg,
    metadata_arg,
    name_arg,
    observer_arg,
    path_arg,
    recipients_arg,
    token_arg,
    ttl_arg,
)

from tinkex.clients.training import TrainingClient
from tinkex.domain.types import AdamParams

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from hostile import Arg

EXAMPLES = 400
FUZZ = settings(
    max_examples=examples(EXAMPLES),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NOT_FUZZED = {
    "get_info": "takes no input",
    "get_tokenizer": "takes no input",
    "get_console_url": "takes no input",
    "pending": "takes no input",
    "unload_model": "takes no input, and closes the client for the cases after it",
}

Case = tuple[str, "Callable[[TrainingClient, list[Any]], Any]", list["Arg"]]


def _cases(sampler_path: str, state_path: str) -> list[Case]:
    weights_path = path_arg(state_path, sampler_path)
    return [
        ("forward", lambda t, a: t.forward(*a), [data_arg, loss_fn_arg, loss_fn_config_arg]),
        (
            "forward_backward",
            lambda t, a: t.forward_backward(*a),
            [data_arg, loss_fn_arg, loss_fn_config_arg],
        ),
        (
            "forward_backward_custom",
            lambda t, a: t.forward_backward_custom(*a),
            [data_arg, custom_loss_arg],
        ),
        ("optim_step", lambda t, a: t.optim_step(a[0]), [adam_arg]),
        ("optim_step(adam_params=)", lambda t, a: t.optim_step(adam_params=a[0]), [adam_arg]),
        (
            "train_step",
            lambda t, a: t.train_step(*a),
            [data_arg, loss_fn_arg, adam_arg, loss_fn_config_arg],
        ),
        (
            "save_state",
            lambda t, a: t.save_state(*a),
            [name_arg, ttl_arg, bool_or_bad("overwrite"), metadata_arg],
        ),
        (
            "save_weights_for_sampler",
            lambda t, a: t.save_weights_for_sampler(*a),
            [name_arg, ttl_arg, metadata_arg],
        ),
        (
            "save_weights_external",
            lambda t, a: t.save_weights_external(*a),
            [name_arg, ttl_arg, recipients_arg],
        ),
        ("load_state", lambda t, a: t.load_state(*a), [weights_path, token_arg]),
        (
            "load_state_with_optimizer",
            lambda t, a: t.load_state_with_optimizer(*a),
            [weights_path, token_arg],
        ),
        (
            "save_weights_and_get_sampling_client",
            lambda t, a: t.save_weights_and_get_sampling_client(
                record_stability_info=a[0], kind=a[1]
            ),
            [bool_or_bad("record_stability_info"), kind_arg],
        ),
        (
            "create_sampling_client",
            lambda t, a: t.create_sampling_client(a[0], record_stability_info=a[1]),
            [
                path_arg(sampler_path, state_path, "model_path"),
                bool_or_bad("record_stability_info"),
            ],
        ),
        ("add_queue_state_observer", lambda t, a: t.add_queue_state_observer(a[0]), [observer_arg]),
    ]


def _method_of(case_name: str) -> str:
    return case_name.split("(")[0]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[tuple[Harness, TrainingClient, list[Case]]]:
    with embedded_harness(tmp_path) as harness:

        async def setup() -> tuple[TrainingClient, str, str]:
            training = await harness.service.create_lora_training_client(TINY_MODEL, rank=2)
            state = await training.save_state("base")
            sampler = await training.save_weights_for_sampler("base")
            assert sampler.path is not None
            return training, sampler.path, state.path

        training, sampler_path, state_path = harness.run(setup())
        yield harness, training, _cases(sampler_path, state_path)


def _fuzz(harness: Harness, training: TrainingClient, cases: list[Case]) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        name, call, specs = data.draw(st.sampled_from(cases), label="method")
        args = data.draw(arguments(specs), label="arguments")
        harness.case(name, lambda values: call(training, values), args, training=training)

    run()
    good = [good_datum([10, 11, 12, 13], False), good_datum([20, 21, 22], True)]

    async def still_trains() -> None:
        await training.forward_backward(good, "cross_entropy")
        await training.optim_step(AdamParams(learning_rate=1e-3))

    harness.run(still_trains())
    assert training._submitter.sequencer.poisoned is None
    assert harness.tally.rejected, harness.tally.summary()
    assert harness.tally.accepted, harness.tally.summary()


def test_every_training_method_with_input_is_fuzzed() -> None:
    """The cases cover every public method but the ones listed as taking no user input."""
    covered = {_method_of(name) for name, _, _ in _cases("s", "w")}
    assert covered | set(NOT_FUZZED) == public_methods(TrainingClient)


DATA_METHODS = ("forward", "forward_backward", "forward_backward_custom", "train_step")
OPTIMIZER_METHODS = ("optim_step", "optim_step(adam_params=)", "train_step")


@pytest.mark.parametrize(
    "group",
    [
        pytest.param(DATA_METHODS, id="data"),
        pytest.param(OPTIMIZER_METHODS, id="optimizer"),
        pytest.param(None, id="weights-and-other"),
    ],
)
def test_fuzz_training_client(
    harness: tuple[Harness, TrainingClient, list[Case]],
    group: tuple[str, ...] | None,
) -> None:
    """Hostile arguments to any method: accepted and carried out, or typed and sent nowhere."""
    fuzz, training, cases = harness
    known = DATA_METHODS + OPTIMIZER_METHODS
    chosen = [c for c in cases if (c[0] in group if group else c[0] not in known)]
    _fuzz(fuzz, training, chosen)
    fuzz.tally.report(f"training[{'+'.join(group) if group else 'weights-and-other'}]")
