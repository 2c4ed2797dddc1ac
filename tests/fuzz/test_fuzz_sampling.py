"""Hypothesis over every SamplingClient method that takes user input (see `fuzz_fixtures`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fuzz_fixtures import TINY_MODEL, Harness, embedded_harness, public_methods
from fuzz_fixtures import examples as fuzz_examples
from hostile import arguments
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sampling_cases import (
    alt_tokens_arg,
    api_key_arg,
    handle_arg,
    include_arg,
    last_n_arg,
    last_n_with_logprobs_arg,
    num_samples_arg,
    params_arg,
    prompt_arg,
    target_arg,
    topk_prompt_arg,
    topk_sample_arg,
)
from training_cases import observer_arg

from tinkex.clients.sampling import SamplingClient
from tinkex.domain.types import ModelInput, SamplingParams

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from pathlib import Path

    from hostile import Arg

FUZZ = settings(
    max_examples=fuzz_examples(400),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NOT_FUZZED = {
    "get_sampler_handle": "takes no input",
    "get_tokenizer": "takes no input",
    "get_base_model": "takes no input",
    "aclose": "takes no input",
}

Case = tuple[str, "Callable[[SamplingClient, list[Any]], Any]", list["Arg"]]


async def _drain(chunks: AsyncIterator[Any]) -> int:
    return sum([1 async for _ in chunks])


def _sample(client: SamplingClient, a: list[Any]) -> Any:
    return client.sample(
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        topk_sample_logprobs=a[5],
        target_prompt_logprobs=a[6],
        prompt_alt_tokens_k=a[7],
        prompt_logprobs_last_n=a[8],
    )


def _stream(client: SamplingClient, a: list[Any]) -> Any:
    return _drain(client.sample_stream(a[0], a[1]))  # refused, if at all, before the drain


CASES: list[Case] = [
    (
        "sample",
        _sample,
        [
            prompt_arg,
            num_samples_arg,
            params_arg,
            include_arg,
            topk_prompt_arg,
            topk_sample_arg,
            target_arg,
            alt_tokens_arg,
            last_n_arg,
        ],
    ),
    (
        "compute_logprobs",
        lambda c, a: c.compute_logprobs(*a),
        [prompt_arg, last_n_with_logprobs_arg],
    ),
    ("sample_stream", _stream, [prompt_arg, params_arg]),
    (
        "from_sampler_handle",
        lambda c, a: SamplingClient.from_sampler_handle(a[0], api_key=a[1]),
        [handle_arg, api_key_arg],
    ),
    ("add_queue_state_observer", lambda c, a: c.add_queue_state_observer(a[0]), [observer_arg]),
]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[tuple[Harness, SamplingClient]]:
    with embedded_harness(tmp_path) as harness:
        client = harness.run(harness.service.create_sampling_client(base_model=TINY_MODEL))
        yield harness, client


def test_every_sampling_method_with_input_is_fuzzed() -> None:
    """The cases cover every public method but the ones listed as taking no user input."""
    covered = {name for name, _, _ in CASES}
    assert covered | set(NOT_FUZZED) == public_methods(SamplingClient)


@pytest.mark.parametrize(
    ("methods", "count"),
    [
        pytest.param(("sample",), 600, id="sample"),
        pytest.param(("compute_logprobs",), 200, id="compute_logprobs"),
        pytest.param(("sample_stream",), 300, id="sample_stream"),
        pytest.param(("from_sampler_handle", "add_queue_state_observer"), 150, id="other"),
    ],
)
def test_fuzz_sampling_client(
    harness: tuple[Harness, SamplingClient],
    methods: tuple[str, ...],
    count: int,
) -> None:
    """Hostile arguments: accepted and served, or typed and sent nowhere; sampling still works."""
    fuzz, client = harness
    cases = [case for case in CASES if case[0] in methods]

    @settings(FUZZ, max_examples=fuzz_examples(count))
    @given(st.data())
    def run(data: st.DataObject) -> None:
        name, call, specs = data.draw(st.sampled_from(cases), label="method")
        args = data.draw(arguments(specs), label="arguments")
        fuzz.case(name, lambda values: call(client, values), args)

    run()

    async def still_samples() -> int:
        response = await client.sample(
            ModelInput.from_ints([72, 105]), 1, SamplingParams(max_tokens=2)
        )
        return len(response.sequences)

    assert fuzz.run(still_samples()) == 1
    assert fuzz.tally.rejected, fuzz.tally.summary()
    assert fuzz.tally.accepted, fuzz.tally.summary()
    fuzz.tally.report(f"sampling[{'+'.join(methods)}]")
