from __future__ import annotations

import asyncio
import pickle
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
import pytest
from sampling_fixtures import (
    PARAMS,
    PROMPT,
    TINY_MODEL,
    RecordingTransport,
    backend,
    recorded_service,
    sampler,
)

from tinkex.clients.sampling import SamplingClient
from tinkex.domain.backoff import Backoff
from tinkex.domain.types import ModelInput, SamplingParams, TensorData
from tinkex.errors import (
    ConfigError,
    InternalServerError,
    RequestFailedError,
    UnsupportedByServerError,
    ValidationError,
)
from tinkex.local import FaultPlan
from tinkex.testing import respond

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.domain.types import SampleStreamChunk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"num_samples": 0}, "num_samples"),
        ({"sampling_params": SamplingParams(max_tokens=0)}, "max_tokens"),
        ({"sampling_params": SamplingParams(temperature=-1.0)}, "temperature"),
        ({"sampling_params": SamplingParams(top_k=0)}, "top_k"),
        ({"sampling_params": SamplingParams(top_p=0.0)}, "top_p"),
        ({"sampling_params": SamplingParams(stop=["a", 3])}, "stop"),
        ({"topk_prompt_logprobs": -1}, "topk_prompt_logprobs"),
        ({"topk_sample_logprobs": -2}, "topk_sample_logprobs"),
        ({"prompt_alt_tokens_k": -1}, "prompt_alt_tokens_k"),
        ({"prompt_logprobs_last_n": 2}, "prompt_logprobs_last_n"),
        (
            {"include_prompt_logprobs": True, "prompt_logprobs_last_n": 0},
            "prompt_logprobs_last_n",
        ),
        (
            {"target_prompt_logprobs": TensorData(data=[1.0], dtype="float32", shape=[1, 1])},
            "target_prompt_logprobs",
        ),
        (
            {"target_prompt_logprobs": TensorData(data=[1, 2], dtype="int64", shape=[2, 1])},
            "target_prompt_logprobs",
        ),
        ({"sampling_params": {"max_tokens": 3}}, "sampling_params"),
    ],
)
async def test_bad_arguments_fail_before_anything_is_sent(
    tmp_path: Path, kwargs: dict[str, Any], field: str
) -> None:
    """Every bad sample argument raises a ValidationError naming it, and sends nothing."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        before = len(recorder.sent)
        with pytest.raises(ValidationError) as caught:
            client.sample(PROMPT, **kwargs)
        assert (caught.value.field or "").startswith(field)
        assert len(recorder.sent) == before
        assert recorder.count("/asample") == 0


async def test_empty_or_wrong_prompt_is_rejected(tmp_path: Path) -> None:
    """An empty prompt or a non-ModelInput fails at the call site."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        with pytest.raises(ValidationError, match="empty"):
            client.sample(ModelInput(chunks=[]))
        with pytest.raises(ValidationError, match="ModelInput"):
            client.sample([1, 2, 3])  # type: ignore[arg-type]  # the mistake under test
        with pytest.raises(ValidationError):
            client.compute_logprobs(PROMPT, prompt_logprobs_last_n=99)
        assert recorder.count("/asample") == 0


async def test_sample_sends_every_argument(tmp_path: Path) -> None:
    """The request carries the arguments, the session id and seq_ids counting from 0."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        await client.sample(PROMPT, 2, PARAMS, True, 3)
        await client.sample(PROMPT, 1, SamplingParams(max_tokens=2, stop=["\n"]))
        first, second = recorder.bodies("/asample")
        assert first["num_samples"] == 2
        assert first["prompt_logprobs"] is True
        assert first["topk_prompt_logprobs"] == 3
        assert first["sampling_session_id"] == client.sampling_session_id
        assert first["sampling_params"] == {
            "max_tokens": 6,
            "seed": 7,
            "temperature": 1.0,
            "top_k": -1,
            "top_p": 1.0,
        }
        assert (first["seq_id"], second["seq_id"]) == (0, 1)
        assert second["sampling_params"]["stop"] == ["\n"]  # type: ignore[index]
        request = next(r for r in recorder.sent if r.url.endswith("/asample"))
        assert request.header("X-Tinker-Sampling-Backpressure") == "1"
        assert request.header("x-sdk-method") == "SamplingClient.sample"


async def test_sample_returns_numpy_fields_and_stamped_ids(tmp_path: Path) -> None:
    """Sequences carry int32/float32 arrays, list views, and the submission's sequence ids."""
    async with sampler(backend(tmp_path)) as (client, _):
        response = await client.sample(PROMPT, 3, PARAMS, include_prompt_logprobs=True)
    assert len(response.sequences) == 3
    for index, seq in enumerate(response.sequences):
        assert seq.tokens_np.dtype == np.int32
        assert seq.logprobs_np is not None
        assert seq.logprobs_np.dtype == np.float32
        assert seq.tokens == seq.tokens_np.tolist()
        assert len(seq.tokens) <= 6
        assert seq.stop_reason in ("stop", "length")
        assert seq.sequence_id == f"{client.sampling_session_id}:0:{index}"
    plp = response.prompt_logprobs_np
    assert plp is not None
    assert plp.dtype == np.float32
    assert plp.shape == (PROMPT.length,)
    assert np.isnan(plp[0])
    assert not np.isnan(plp[1:]).any()
    assert response.prompt_logprobs is not None
    assert response.prompt_logprobs[0] is None


async def test_same_seed_gives_same_tokens(tmp_path: Path) -> None:
    """Two samples with one seed agree; the response compares equal field by field."""
    async with sampler(backend(tmp_path)) as (client, _):
        first = await client.sample(PROMPT, 2, PARAMS)
        second = await client.sample(PROMPT, 2, PARAMS)
    assert [s.tokens for s in first.sequences] == [s.tokens for s in second.sequences]
    assert first.sequences[0].logprobs == second.sequences[0].logprobs


async def test_topk_prompt_logprobs_views(tmp_path: Path) -> None:
    """Top-k prompt logprobs come as an (n, k) table and as trimmed list rows."""
    async with sampler(backend(tmp_path)) as (client, _):
        response = await client.sample(
            PROMPT, 1, PARAMS, include_prompt_logprobs=True, topk_prompt_logprobs=4
        )
    table = response.topk_prompt_logprobs_np
    assert table is not None
    assert table.token_ids.shape == (PROMPT.length, 4)
    assert table.token_ids.dtype == np.int32
    assert table.logprobs.dtype == np.float32
    rows = response.topk_prompt_logprobs
    assert rows is not None
    assert rows[0] is None
    for row, ids in zip(rows[1:], table.token_ids[1:], strict=True):
        assert row is not None
        assert [token for token, _ in row] == ids.tolist()
        values = [lp for _, lp in row]
        assert values == sorted(values, reverse=True)


async def test_compute_logprobs_matches_prompt_logprobs(tmp_path: Path) -> None:
    """compute_logprobs is one max_tokens=1 sample's prompt logprobs; last_n masks the head."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        sampled = await client.sample(PROMPT, 1, PARAMS, include_prompt_logprobs=True)
        scored = await client.compute_logprobs(PROMPT)
        tail = await client.compute_logprobs(PROMPT, prompt_logprobs_last_n=2)
    assert scored == sampled.prompt_logprobs
    assert tail[:-2] == [None] * (PROMPT.length - 2)
    assert tail[-2:] == scored[-2:]
    body = recorder.bodies("/asample")[1]
    assert body["sampling_params"]["max_tokens"] == 1  # type: ignore[index]
    assert body["num_samples"] == 1
    assert body["prompt_logprobs"] is True


async def test_unsupported_options_fail_clearly(tmp_path: Path) -> None:
    """A server that cannot give alt tokens fails the sample instead of dropping the option."""
    async with sampler(backend(tmp_path)) as (client, _):
        with pytest.raises(Exception, match="not supported"):
            await client.sample(PROMPT, 1, PARAMS, prompt_alt_tokens_k=2)


async def test_tokenizer_and_base_model(tmp_path: Path) -> None:
    """The tokenizer and base model of the sampler are available."""
    async with sampler(backend(tmp_path)) as (client, _):
        assert await client.get_base_model() == TINY_MODEL
        tokenizer = client.get_tokenizer()
        assert tokenizer.decode(tokenizer.encode("hello")) == "hello"


async def test_legacy_json_and_protobuf_give_equal_results(tmp_path: Path) -> None:
    """A JSON-era backend and a protobuf backend sample identical values for one seed."""
    results = []
    for legacy in (False, True):
        async with sampler(backend(tmp_path / str(legacy), legacy=legacy)) as (client, rec):
            results.append(
                await client.sample(
                    PROMPT, 2, PARAMS, include_prompt_logprobs=True, topk_prompt_logprobs=3
                )
            )
            accepts = [r.header("Accept") for r in rec.sent if r.url.endswith("retrieve_future")]
            assert all(("protobuf" in (a or "")) != legacy for a in accepts)
    proto, json = results
    for a, b in zip(proto.sequences, json.sequences, strict=True):
        assert a.tokens == b.tokens
        assert a.logprobs == b.logprobs
        assert np.array_equal(a.tokens_np, b.tokens_np)
    assert proto.prompt_logprobs == json.prompt_logprobs
    assert proto.topk_prompt_logprobs == json.topk_prompt_logprobs
    assert json.sequences[0].sequence_id is None  # JSON-era servers name no sequences
    assert proto.topk_prompt_logprobs_np == json.topk_prompt_logprobs_np


async def test_429_storm_slows_but_never_fails(tmp_path: Path) -> None:
    """With most submissions refused with 429, every sample still completes."""
    plan = FaultPlan(seed=3, backpressure_429=0.6, endpoints=("asample",))
    async with recorded_service(backend(tmp_path, fault_plan=plan)) as (service, recorder):
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        runtime = service.runtime
        # Real 1 s backoffs would make this test slow; the policy is what is under test.
        runtime.dispatcher.config = type(runtime.dispatcher.config)(
            small_backoff=Backoff.constant(0.01)
        )
        responses = await asyncio.gather(*(client.sample(PROMPT, 1, PARAMS) for _ in range(12)))
        assert all(len(r.sequences) == 1 for r in responses)
        assert 429 in recorder.statuses()
        assert runtime.dispatcher.backoffs == recorder.statuses().count(429)


async def test_many_concurrent_samples_complete(tmp_path: Path) -> None:
    """Two hundred concurrent samples all finish, each with its own seq_id."""
    async with sampler(backend(tmp_path)) as (client, recorder):
        params = SamplingParams(max_tokens=1, seed=1)
        responses = await asyncio.gather(*(client.sample(PROMPT, 1, params) for _ in range(200)))
    assert len(responses) == 200
    seq_ids = [body["seq_id"] for body in recorder.bodies("/asample")]
    assert sorted(seq_ids) == list(range(200))  # type: ignore[type-var]


async def test_in_process_client_refuses_to_leave_the_process(tmp_path: Path) -> None:
    """Pickling or exporting a client of the in-process backend raises a clear ConfigError."""
    async with sampler(backend(tmp_path)) as (client, _):
        with pytest.raises(ConfigError, match="in-process"):
            pickle.dumps(client)
        with pytest.raises(ConfigError, match="serve it over HTTP"):
            client.get_sampler_handle()


async def test_handle_round_trip_keeps_identity_without_key(tmp_path: Path) -> None:
    """A handle decodes back to the same sampler and never contains the API key."""
    handle = SamplingClient.from_sampler_handle(
        _handle("sess-1", "sess-1:sample:3", "http://127.0.0.1:9")
    ).get_sampler_handle()
    rebuilt = SamplingClient.from_sampler_handle(handle, api_key="tml-secret-key")
    assert rebuilt.sampling_session_id == "sess-1:sample:3"
    assert rebuilt.base_model == TINY_MODEL
    assert "tml-secret-key" not in rebuilt.get_sampler_handle()
    assert "tml-secret-key" not in repr(rebuilt)
    restored = pickle.loads(pickle.dumps(rebuilt))
    assert restored.get_sampler_handle() == handle
    with pytest.raises(ValidationError, match="handle"):
        SamplingClient.from_sampler_handle("not-a-handle")
    await rebuilt.aclose()


async def test_stream_on_a_server_without_streaming_is_unsupported(tmp_path: Path) -> None:
    """A server without stream_sample (the JSON-era mode): a clear UnsupportedByServerError."""
    async with sampler(backend(tmp_path, legacy=True)) as (client, _):
        with pytest.raises(UnsupportedByServerError, match="does not stream"):
            async for _ in client.sample_stream(PROMPT, PARAMS):
                pass


def _handle(session_id: str, sampling_session_id: str, base_url: str) -> str:
    from tinkex.clients.sampling_handle import SamplerHandle

    return SamplerHandle(
        session_id=session_id,
        sampling_session_id=sampling_session_id,
        base_url=base_url,
        base_model=TINY_MODEL,
    ).encode()


async def test_service_session_is_reused_by_every_sampler(tmp_path: Path) -> None:
    """Two sampling clients share the service's one session; sampler ids differ."""
    async with recorded_service(backend(tmp_path)) as (service, recorder):
        a = await service.create_sampling_client(base_model=TINY_MODEL)
        b = await service.create_sampling_client(base_model=TINY_MODEL)
        assert a.sampling_session_id != b.sampling_session_id
        assert recorder.count("/create_session") == 1
        seqs = [body["sampling_session_seq_id"] for body in recorder.bodies("sampling_session")]
        assert seqs == [0, 1]


async def _drain(stream: AsyncIterator[SampleStreamChunk], into: list[SampleStreamChunk]) -> None:
    async for chunk in stream:
        into.append(chunk)  # noqa: PERF401 - the chunks seen before an error matter


def _sse_answer(body: bytes, status: int = 200) -> RecordingTransport:
    transport = RecordingTransport()
    sse = respond(status, body=body, headers={"content-type": "text/event-stream"})
    transport.reply("POST", "/api/v1/stream_sample", sse)
    return transport


STREAM_BODY = (
    b'event: token\ndata: {"token": "a", "token_id": 97, "index": 0, "logprob": -0.5}\n\n'
    b": keep-alive\n\n"
    b'data: {"token": "b", "token_id": 98, "index": 1}\r\n\r\n'
    b"data: not json\n\n"
    b'event: done\ndata: {"finish_reason": "length", "total_tokens": 2}\n\n'
    b'data: {"token": "never", "token_id": 1}\n\n'
)


async def test_stream_in_process_is_buffered_through_the_decoder(tmp_path: Path) -> None:
    """Without a streaming pool the answer is read whole and decoded into the same chunks."""
    async with sampler(backend(tmp_path), _sse_answer(STREAM_BODY)) as (client, recorder):
        chunks = [chunk async for chunk in client.sample_stream(PROMPT, PARAMS)]
        request = recorder.sent[-1]
    assert [(c.event_type, c.token_id) for c in chunks] == [
        ("token", 97),
        ("token", 98),
        ("done", None),
    ]
    assert chunks[0].logprob == -0.5
    assert chunks[-1].finish_reason == "length"
    assert request.header("Accept") == "text/event-stream"
    assert request.header("X-API-Key") == "tml-sampling-tests"
    assert request.header("x-sdk-method") == "SamplingClient.sample_stream"
    body = msgspec.json.decode(request.body or b"")
    assert body["sampling_session_id"] == client.sampling_session_id
    assert body["num_samples"] == 1
    assert body["sampling_params"]["seed"] == 7


async def test_stream_error_event_and_server_errors_raise(tmp_path: Path) -> None:
    """An error event raises RequestFailedError; a 500 stays a server error."""
    error_body = b'data: {"token": "a", "token_id": 97}\n\ndata: {"error": "model crashed"}\n\n'
    async with sampler(backend(tmp_path), _sse_answer(error_body)) as (client, _):
        seen: list[SampleStreamChunk] = []
        with pytest.raises(RequestFailedError, match="model crashed"):
            await _drain(client.sample_stream(PROMPT, PARAMS), seen)
        assert [c.token_id for c in seen] == [97]
    async with sampler(backend(tmp_path / "b"), _sse_answer(b"boom", 500)) as (client, _):
        with pytest.raises(InternalServerError):
            async for _ in client.sample_stream(PROMPT, PARAMS):
                pass
        with pytest.raises(ValidationError, match="empty"):
            client.sample_stream(ModelInput(chunks=[]))
