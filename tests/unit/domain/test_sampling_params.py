"""Tests for client-side validation of sample() arguments and checkpoint TTLs."""

from __future__ import annotations

from typing import Any

import pytest

from tinkex.domain.sampling_params import validate_sample_args, validate_stop
from tinkex.domain.ttl import MAX_TTL_SECONDS, validate_ttl
from tinkex.errors import ValidationError


def _args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "num_samples": 1,
        "max_tokens": 16,
        "temperature": 1.0,
        "top_k": -1,
        "top_p": 1.0,
        "stop": None,
        "seed": None,
        "include_prompt_logprobs": False,
        "topk_prompt_logprobs": 0,
        "topk_sample_logprobs": 0,
        "prompt_alt_tokens_k": 0,
        "prompt_logprobs_last_n": None,
        "prompt_length": 10,
        "target_prompt_logprobs_shape": None,
        "max_context_length": None,
    }
    args.update(overrides)
    return args


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"max_tokens": None},
        {"temperature": 0},
        {"top_k": 1, "top_p": 0.01},
        {"stop": "\n\n"},
        {"stop": ["a", "b"]},
        {"stop": [0, 128001]},
        {"stop": []},
        {"seed": 0},
        {"include_prompt_logprobs": True, "prompt_logprobs_last_n": 9, "topk_prompt_logprobs": 5},
        {"target_prompt_logprobs_shape": (9, 3), "prompt_alt_tokens_k": 2},
        {"max_context_length": 26},
        {"prompt_length": None, "target_prompt_logprobs_shape": [4, 1]},
    ],
)
def test_valid_arguments_pass(overrides: dict[str, Any]) -> None:
    validate_sample_args(**_args(**overrides))


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"num_samples": 0}, "num_samples", ">= 1"),
        ({"num_samples": True}, "num_samples", "must be an int"),
        ({"max_tokens": 0}, "max_tokens", ">= 1"),
        ({"max_tokens": 2.5}, "max_tokens", "must be an int"),
        ({"temperature": -0.1}, "temperature", ">= 0"),
        ({"temperature": float("nan")}, "temperature", "finite"),
        ({"temperature": float("inf")}, "temperature", "finite"),
        ({"top_k": 0}, "top_k", "-1 (no limit)"),
        ({"top_k": -2}, "top_k", "-1 (no limit)"),
        ({"top_p": 0.0}, "top_p", "(0, 1]"),
        ({"top_p": 1.5}, "top_p", "(0, 1]"),
        ({"stop": ""}, "stop", "empty stop string"),
        ({"stop": ["a", ""]}, "stop[1]", "non-empty"),
        ({"stop": ["a", 3]}, "stop[1]", "not a mix"),
        ({"stop": [1.5]}, "stop[0]", "token ids must be ints"),
        ({"stop": [3, "a"]}, "stop[1]", "not a mix"),
        ({"stop": [1, -1]}, "stop[1]", ">= 0"),
        ({"stop": [True]}, "stop[0]", "must be ints"),
        ({"stop": 5}, "stop", "got int"),
        ({"seed": 1.0}, "seed", "int or None"),
        ({"topk_prompt_logprobs": -1}, "topk_prompt_logprobs", ">= 0"),
        ({"topk_sample_logprobs": -1}, "topk_sample_logprobs", ">= 0"),
        ({"prompt_alt_tokens_k": -1}, "prompt_alt_tokens_k", ">= 0"),
        ({"prompt_logprobs_last_n": 2}, "prompt_logprobs_last_n", "include_prompt_logprobs"),
        (
            {"include_prompt_logprobs": True, "prompt_logprobs_last_n": 0},
            "prompt_logprobs_last_n",
            ">= 1",
        ),
        (
            {"include_prompt_logprobs": True, "prompt_logprobs_last_n": 10},
            "prompt_logprobs_last_n",
            "at most len(prompt) - 1 = 9",
        ),
        ({"target_prompt_logprobs_shape": (10, 3)}, "target_prompt_logprobs", "[9, K]"),
        ({"target_prompt_logprobs_shape": (9,)}, "target_prompt_logprobs", "2-D"),
        ({"target_prompt_logprobs_shape": (9, 0)}, "target_prompt_logprobs", "K >= 1"),
        ({"prompt_length": 0}, "prompt", "empty"),
        ({"max_context_length": 25}, "max_tokens", "context length 25"),
        ({"max_tokens": None, "max_context_length": 10}, "prompt", "context length 10"),
    ],
)
def test_invalid_arguments_name_the_field(
    overrides: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as info:
        validate_sample_args(**_args(**overrides))
    assert info.value.field == field
    assert fragment in str(info.value)


def test_validate_stop_accepts_tuples_of_ids() -> None:
    validate_stop((1, 2))


@pytest.mark.parametrize("ttl", [None, 3600, 7 * 24 * 3600, MAX_TTL_SECONDS])
def test_ttl_inside_the_server_range_passes(ttl: int | None) -> None:
    assert validate_ttl(ttl) == ttl


@pytest.mark.parametrize(
    ("ttl", "fragment"),
    [
        (3599, "between 3600"),
        (0, "between 3600"),
        (-1, "between 3600"),
        (MAX_TTL_SECONDS + 1, "10 years"),
        (True, "got bool"),
        (3600.0, "got float"),
    ],
)
def test_ttl_outside_the_range_is_rejected(ttl: Any, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_ttl(ttl, field="ttl")
    assert info.value.field == "ttl"
    assert fragment in str(info.value)
