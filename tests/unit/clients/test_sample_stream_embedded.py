"""Streaming sampling against the embedded backend's own stream_sample endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex import types
from tinkex.errors import UnsupportedByServerError
from tinkex.local import LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

PROMPT = types.ModelInput.from_ints([84, 104, 101, 32])
PARAMS = types.SamplingParams(max_tokens=6, seed=5, temperature=0.8)


async def test_streamed_tokens_match_a_sample_with_the_same_seed(tmp_path: Path) -> None:
    """The token events carry the tokens a plain sample draws with the same seed."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        sampler = await service.create_sampling_client(base_model="tinkex/tiny-byte-lm")
        chunks = [chunk async for chunk in sampler.sample_stream(PROMPT, PARAMS)]
        sampled = await sampler.sample(PROMPT, 1, PARAMS)
    tokens = [c.token_id for c in chunks if c.event_type == "token"]
    assert tokens == list(sampled.sequences[0].tokens)
    assert chunks[-1].event_type == "done"
    assert chunks[-1].total_tokens == len(tokens)


async def test_json_era_server_has_no_streaming(tmp_path: Path) -> None:
    """A server without stream_sample (the legacy mode) fails clearly."""
    backend = LocalBackend(tmp_path, legacy=True)
    async with tinkex.ServiceClient(backend=backend, telemetry=False) as service:
        sampler = await service.create_sampling_client(base_model="tinkex/tiny-byte-lm")
        with pytest.raises(UnsupportedByServerError):
            async for _ in sampler.sample_stream(PROMPT, PARAMS):
                pass
