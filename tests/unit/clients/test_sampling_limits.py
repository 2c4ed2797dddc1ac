"""Sampling arguments beyond the documented limits, or that cannot go on the wire, send nothing.

Issue 15: ``sample(p, num_samples=2**31)`` was sent unvalidated and ended in a MemoryError after
18 s; ``stop=["\\udcff"]`` raised a bare UnicodeEncodeError; non-integer prompt tokens were sent
and refused by the server with 422. Each is now a `ValidationError` naming the argument, raised
at the call, and the client samples normally afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from sampling_fixtures import PARAMS, PROMPT, backend, sampler

from tinkex.domain.limits import (
    MAX_NUM_SAMPLES,
    MAX_PROMPT_ALT_TOKENS_K,
    MAX_SAMPLE_MAX_TOKENS,
    MAX_TOKEN_ID,
    MAX_TOPK_LOGPROBS,
)
from tinkex.domain.types import (
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    SamplingParams,
    TensorData,
)
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from pathlib import Path

SURROGATE = "\udcff"


def _prompt(tokens: Any) -> ModelInput:
    return ModelInput(chunks=[EncodedTextChunk(tokens=tokens)])


REJECTED: list[tuple[str, dict[str, Any], str]] = [
    ("num_samples 2**31", {"num_samples": 2**31}, "num_samples"),
    ("num_samples above the limit", {"num_samples": MAX_NUM_SAMPLES + 1}, "num_samples"),
    (
        "max_tokens above the limit",
        {"sampling_params": SamplingParams(max_tokens=MAX_SAMPLE_MAX_TOKENS + 1)},
        "max_tokens",
    ),
    (
        "too many tokens in all",
        {"num_samples": MAX_NUM_SAMPLES, "sampling_params": SamplingParams(max_tokens=1 << 16)},
        "num_samples",
    ),
    (
        "prompt top-k above the limit",
        {"include_prompt_logprobs": True, "topk_prompt_logprobs": MAX_TOPK_LOGPROBS + 1},
        "topk_prompt_logprobs",
    ),
    ("sample top-k 10**6", {"topk_sample_logprobs": 10**6}, "topk_sample_logprobs"),
    (
        "alt tokens above the limit",
        {"prompt_alt_tokens_k": MAX_PROMPT_ALT_TOKENS_K + 1},
        "prompt_alt_tokens_k",
    ),
    ("surrogate stop string", {"sampling_params": SamplingParams(stop=[SURROGATE])}, "stop[0]"),
    ("surrogate stop", {"sampling_params": SamplingParams(stop=f"a{SURROGATE}")}, "stop"),
    (
        "stop id beyond int32",
        {"sampling_params": SamplingParams(stop=[MAX_TOKEN_ID + 1])},
        "stop[0]",
    ),
    ("seed beyond int64", {"sampling_params": SamplingParams(seed=2**64)}, "seed"),
    ("top_k 2**40", {"sampling_params": SamplingParams(top_k=2**40)}, "top_k"),
    (
        "temperature beyond float",
        {"sampling_params": SamplingParams(temperature=10**400)},
        "temperature",
    ),
    (
        "include_prompt_logprobs not a bool",
        {"include_prompt_logprobs": 1},
        "include_prompt_logprobs",
    ),
    (
        "target ids beyond int32",
        {
            "target_prompt_logprobs": TensorData(
                data=[1, 2, 3, 4, 5, MAX_TOKEN_ID + 1], dtype="int64", shape=[6, 1]
            )
        },
        "target_prompt_logprobs",
    ),
    (
        "target ids that are not numbers",
        {"target_prompt_logprobs": TensorData(data=["a"] * 6, dtype="int64", shape=[6, 1])},
        "target_prompt_logprobs",
    ),
    (
        "target without a shape",
        {"target_prompt_logprobs": TensorData(data=[1] * 6, dtype="int64")},
        "target_prompt_logprobs",
    ),
]

BAD_PROMPTS: list[tuple[str, ModelInput, str]] = [
    ("float tokens", _prompt([1.5, 2]), "prompt.chunks[0].tokens[0]"),
    ("string tokens", _prompt(["a", 2]), "prompt.chunks[0].tokens[0]"),
    ("bool token", _prompt([72, False]), "prompt.chunks[0].tokens[1]"),
    ("None token", _prompt([72, None]), "prompt.chunks[0].tokens[1]"),
    ("token 2**63-1", _prompt([72, 2**63 - 1]), "prompt.chunks[0].tokens[1]"),
    ("negative token", _prompt([72, -5]), "prompt.chunks[0].tokens[1]"),
    (
        "uint64 array",
        _prompt(np.array([72, 2**64 - 1], dtype=np.uint64)),
        "prompt.chunks[0].tokens[1]",
    ),
    (
        "image without format",
        ModelInput(chunks=[ImageChunk(data=b"x", format="gif", expected_tokens=2)]),  # type: ignore[arg-type]
        "prompt.chunks[0].format",
    ),
    (
        "surrogate image location",
        ModelInput(
            chunks=[ImageAssetPointerChunk(format="png", location=SURROGATE, expected_tokens=2)]
        ),
        "prompt.chunks[0].location",
    ),
]


async def test_rejected_sample_arguments_send_nothing(tmp_path: Path) -> None:
    """Each bad call raises at once naming its field; a good sample then succeeds."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        for name, kwargs, field in REJECTED:
            with pytest.raises(ValidationError) as raised:
                client.sample(PROMPT, **{"sampling_params": PARAMS, **kwargs})
            assert (name, raised.value.field) == (name, field)
        for name, prompt, field in BAD_PROMPTS:
            for method in ("sample", "compute_logprobs", "sample_stream"):
                with pytest.raises(ValidationError) as raised:
                    getattr(client, method)(prompt)
                assert (name, raised.value.field) == (name, field)
        assert recorder.count("/asample") == 0
        response = await client.sample(PROMPT, num_samples=2, sampling_params=PARAMS)
        assert len(response.sequences) == 2


async def test_limits_themselves_are_accepted(tmp_path: Path) -> None:
    """The documented maxima are valid values (the check is ``<=``)."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        response = await client.sample(
            PROMPT,
            num_samples=4,
            sampling_params=SamplingParams(max_tokens=2, seed=2**63 - 1, top_k=MAX_TOKEN_ID + 1),
            include_prompt_logprobs=True,
            topk_prompt_logprobs=MAX_TOPK_LOGPROBS,
        )
        assert len(response.sequences) == 4
        assert recorder.count("/asample") == 1
