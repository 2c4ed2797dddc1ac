from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import aiohttp
import numpy as np
import pytest
from sampling_http_fixtures import (
    API_KEY,
    PARAMS,
    PROMPT,
    TINY_MODEL,
    http_backend,
    sample_in_worker,
    serve,
)

from tinkex.clients.sampling import CLONE_SEQ_STRIDE, SamplingClient
from tinkex.clients.service import ServiceClient
from tinkex.errors import UnsupportedByServerError

if TYPE_CHECKING:
    from pathlib import Path


def _service(base_url: str) -> ServiceClient:
    return ServiceClient(base_url=base_url, api_key=API_KEY, telemetry=False)


async def _sessions(base_url: str) -> list[str]:
    async with (
        aiohttp.ClientSession(headers={"X-API-Key": API_KEY}) as http,
        http.get(base_url + "/api/v1/sessions") as response,
    ):
        body = await response.json()
    return [s if isinstance(s, str) else s["session_id"] for s in body["sessions"]]


async def test_sample_over_http(tmp_path: Path) -> None:
    """sample and compute_logprobs work over a loopback HTTP server with protobuf results."""
    async with serve(http_backend(tmp_path)) as url, _service(url) as service:
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        response = await client.sample(PROMPT, 2, PARAMS, include_prompt_logprobs=True)
        scored = await client.compute_logprobs(PROMPT)
    assert [seq.tokens_np.dtype for seq in response.sequences] == [np.int32, np.int32]
    assert response.prompt_logprobs == scored
    assert response.sequences[1].sequence_id == f"{client.sampling_session_id}:0:1"


async def test_pickled_client_joins_the_session_in_process(tmp_path: Path) -> None:
    """An unpickled copy builds its own stack lazily, reusing session and sampler."""
    async with serve(http_backend(tmp_path)) as url, _service(url) as service:
        original = await service.create_sampling_client(base_model=TINY_MODEL)
        expected = await original.sample(PROMPT, 2, PARAMS)
        payload = pickle.dumps(original)
        assert API_KEY.encode() not in original.get_sampler_handle().encode()
        sessions = await _sessions(url)
        copy = pickle.loads(payload)
        assert isinstance(copy, SamplingClient)
        try:
            got = await copy.sample(PROMPT, 2, PARAMS)
        finally:
            await copy.aclose()
        assert await _sessions(url) == sessions  # no new session
        assert [s.tokens for s in got.sequences] == [s.tokens for s in expected.sequences]
        sequence_id = got.sequences[0].sequence_id
        assert sequence_id is not None
        sampler, seq_id, _ = sequence_id.rsplit(":", 2)
        assert sampler == original.sampling_session_id
        assert int(seq_id) >= CLONE_SEQ_STRIDE  # a clone numbers its requests apart
        # The original keeps working after its copy closed.
        assert len((await original.sample(PROMPT, 1, PARAMS)).sequences) == 1


async def test_clone_ids_come_from_join_when_the_server_offers_it(tmp_path: Path) -> None:
    """With sample_join_sampling_session on, each copy asks the server for its clone id."""
    async with serve(http_backend(tmp_path, join_sessions=True)) as url, _service(url) as service:
        original = await service.create_sampling_client(base_model=TINY_MODEL)
        seq_starts = []
        for _ in range(2):
            async with pickle.loads(pickle.dumps(original)) as copy:
                response = await copy.sample(PROMPT, 1, PARAMS)
            sequence_id = response.sequences[0].sequence_id
            assert sequence_id is not None
            seq_starts.append(int(sequence_id.rsplit(":", 2)[1]))
    assert seq_starts == [CLONE_SEQ_STRIDE, 2 * CLONE_SEQ_STRIDE]


async def test_pickled_client_samples_in_a_spawned_process(tmp_path: Path) -> None:
    """A real spawn worker unpickles the client and samples the same tokens over HTTP."""
    async with serve(http_backend(tmp_path)) as url, _service(url) as service:
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        expected = await client.sample(PROMPT, 2, PARAMS)
        sessions = await _sessions(url)
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            tokens, ids, handle = await asyncio.wait_for(
                loop.run_in_executor(pool, sample_in_worker, pickle.dumps(client)), 60
            )
        assert tokens == [s.tokens for s in expected.sequences]
        assert all(i is not None and i.startswith(client.sampling_session_id) for i in ids)
        assert handle == client.get_sampler_handle()
        assert await _sessions(url) == sessions


async def test_from_sampler_handle_uses_local_credentials(tmp_path: Path) -> None:
    """A handle plus this process's key rebuilds a working client."""
    async with serve(http_backend(tmp_path)) as url, _service(url) as service:
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        rebuilt = SamplingClient.from_sampler_handle(client.get_sampler_handle(), api_key=API_KEY)
        try:
            response = await rebuilt.sample(PROMPT, 1, PARAMS)
        finally:
            await rebuilt.aclose()
        assert (
            response.sequences[0].tokens
            == (await client.sample(PROMPT, 1, PARAMS)).sequences[0].tokens
        )


async def test_sample_stream_yields_tokens_as_events(tmp_path: Path) -> None:
    """Over an SSE server the stream yields each sampled token, then a done chunk."""
    async with serve(http_backend(tmp_path), stream="sse") as url, _service(url) as service:
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        expected = (await client.sample(PROMPT, 1, PARAMS)).sequences[0]
        chunks = [chunk async for chunk in client.sample_stream(PROMPT, PARAMS)]
    tokens = [c for c in chunks if c.event_type == "token"]
    assert [c.token_id for c in tokens] == expected.tokens
    assert [c.index for c in tokens] == list(range(len(expected.tokens)))
    assert [c.logprob for c in tokens] == expected.logprobs
    assert chunks[-1].event_type == "done"
    assert chunks[-1].finish_reason == expected.stop_reason
    assert chunks[-1].total_tokens == len(expected.tokens)


async def test_sample_stream_is_incremental(tmp_path: Path) -> None:
    """The first token arrives while the server still holds back the rest."""
    gate = asyncio.Event()
    async with (
        serve(http_backend(tmp_path), stream="sse", gate=gate) as url,
        _service(url) as service,
    ):
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        stream = client.sample_stream(PROMPT, PARAMS)
        first = await asyncio.wait_for(anext(stream), 10)
        assert (first.event_type, first.index) == ("token", 0)
        gate.set()
        rest = [chunk async for chunk in stream]
        assert rest[-1].event_type == "done"


@pytest.mark.parametrize("mode", ["none", "json"])
async def test_sample_stream_fails_clearly_without_server_support(
    tmp_path: Path, mode: str
) -> None:
    """A 404 or a non-event-stream answer raises UnsupportedByServerError."""
    async with (
        serve(http_backend(tmp_path), stream=mode) as url,  # type: ignore[arg-type]
        _service(url) as service,
    ):
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        with pytest.raises(UnsupportedByServerError):
            async for _ in client.sample_stream(PROMPT, PARAMS):
                pass
        # The connection pool is still usable afterwards.
        assert len((await client.sample(PROMPT, 1, PARAMS)).sequences) == 1
