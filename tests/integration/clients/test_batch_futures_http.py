"""Batch polling and sample cancellation against the embedded backend over HTTP (127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
from typing import TYPE_CHECKING

import aiohttp
from batch_http_fixtures import (
    API_KEY,
    CANCEL,
    FETCH,
    POLLS,
    SAMPLE,
    TINY_MODEL,
    WireLog,
    batch_backend,
    completion_states,
    serve_logged,
    service,
    wait_for,
)
from served_backend import served

from tinkex.clients.futures import FutureState
from tinkex.domain.types import ModelInput, SamplingParams
from tinkex.flows.polling_state import SessionFuturesError
from tinkex.local import FaultPlan
from tinkex.local.futures import FutureState as ServerState

if TYPE_CHECKING:
    from pathlib import Path

PROMPT = ModelInput.from_ints([84, 104, 101, 32, 103])


def params(seed: int) -> SamplingParams:
    return SamplingParams(max_tokens=4, seed=seed)


async def test_concurrent_samples_resolve_through_the_batch_poller(tmp_path: Path) -> None:
    """40 samples: no per-future polling, one fetch each after its completion, all acked."""
    log = WireLog()
    async with serve_logged(batch_backend(tmp_path, batch_futures=True), log) as url:
        async with service(url) as client:
            sampler = await client.create_sampling_client(base_model=TINY_MODEL)
            responses = await asyncio.gather(
                *(sampler.sample(PROMPT, 1, params(seed)) for seed in range(40))
            )
            # Waiting samples hold no connection each: the session's concurrency cap is off.
            handler = client.runtime.sampling_retries.for_session(sampler.sampling_session_id)
            assert handler.config.max_connections is None
        assert [len(r.sequences) for r in responses] == [1] * 40
        accepted = [answer["request_id"] for answer in log.answers(SAMPLE)]
        fetches = log.requests(FETCH)
        # Each sample's result is fetched exactly once, never polled for before it finished.
        assert sorted(f["request_id"] for f in fetches) == sorted(accepted)
        assert all(f["allow_metadata_only"] is False for f in fetches)
        assert all(a.get("type") != "try_again" for a in log.answers(FETCH))
        reported = -1
        seen: set[str] = set()
        for index, event in enumerate(log.events):
            if event.path == POLLS and event.answer:
                seen |= {c["request_id"] for c in event.body["completions"]}
                reported = index
            elif event.path == FETCH and not event.answer:
                assert event.body["request_id"] in seen, "fetched before its completion"
        assert reported > 0
        polls = log.requests(POLLS)
        # No poll without need: each answered long poll but the final acknowledgement
        # reported at least one completion (how many share one poll depends on timing).
        assert all(a["completions"] for a in log.answers(POLLS)[:-1])
        assert len(polls) <= len(accepted) + 1
        target = {"type": "sampling_session", "sampling_session_id": sampler.sampling_session_id}
        assert all(p["target"] == {**target, "cloned_sampler_id": 0} for p in polls)
        acked = {i for p in polls for i in p["retrieved_request_ids"]}
        assert acked == set(accepted)  # every result reported back as retrieved
        assert polls[-1]["timeout"] == 0  # the last one only acknowledges
        assert polls[-1]["prev_cursor"] == len(accepted)


async def test_a_pickled_clone_polls_for_its_own_completions(tmp_path: Path) -> None:
    """A copy of a sampling client polls with its clone id; original and copy both resolve."""
    log = WireLog()
    backend = batch_backend(
        tmp_path, batch_futures=True, client_flags={"sample_join_sampling_session": True}
    )
    async with serve_logged(backend, log) as url, service(url) as client:
        original = await client.create_sampling_client(base_model=TINY_MODEL)
        async with pickle.loads(pickle.dumps(original)) as copy:
            mine, theirs = await asyncio.gather(
                original.sample(PROMPT, 1, params(1)), copy.sample(PROMPT, 1, params(1))
            )
    assert mine.sequences[0].tokens == theirs.sequences[0].tokens
    clones = {p["target"]["cloned_sampler_id"] for p in log.requests(POLLS)}
    assert clones == {0, 1}
    assert [f["allow_metadata_only"] for f in log.requests(FETCH)] == [False, False]


async def test_a_failing_poller_fails_its_samples_with_the_typed_error(tmp_path: Path) -> None:
    """A 403 on retrieve_futures fails every waiting sample, naming the sampling session."""
    log = WireLog()
    async with serve_logged(batch_backend(tmp_path, batch_futures=True), log) as url:
        async with service(url) as client:
            sampler = await client.create_sampling_client(base_model=TINY_MODEL)
            log.refuse_polls = 403
            futures = [sampler.sample(PROMPT, 1, params(seed)) for seed in range(5)]
            outcomes = await asyncio.gather(*futures, return_exceptions=True)
            assert all(isinstance(o, SessionFuturesError) for o in outcomes), outcomes
            error = outcomes[0]
            assert isinstance(error, SessionFuturesError)
            assert error.sampling_session_id == sampler.sampling_session_id
            assert error.status == 403
            assert f"sampling session {sampler.sampling_session_id}" in str(error)
            assert {f.request_id for f in futures} == {
                o.request_id for o in outcomes if isinstance(o, SessionFuturesError)
            }
            assert log.requests(FETCH) == []
            # The next sample starts a new poll loop once the server polls again.
            log.refuse_polls = None
            again = await sampler.sample(PROMPT, 1, params(7))
        assert len(again.sequences) == 1


async def test_cancelled_samples_are_cancelled_on_the_server_in_batches(tmp_path: Path) -> None:
    """10 cancelled samples: cancel_future at most 4 at a time, and the server drops them."""
    log = WireLog(cancel_hold_s=0.05)
    backend = batch_backend(
        tmp_path, batch_futures=True, dynamic_flags={"sample_cancel_max_batch_size": 4}
    )
    gate = threading.Event()
    async with serve_logged(backend, log) as url, service(url) as client:
        sampler = await client.create_sampling_client(base_model=TINY_MODEL)
        # Keep the model's worker threads busy: the samples stay queued on the server.
        blockers = [asyncio.ensure_future(backend.state.blocking(gate.wait)) for _ in range(2)]
        try:
            futures = [sampler.sample(PROMPT, 1, params(seed)) for seed in range(10)]
            await wait_for(lambda: all(f.request_id for f in futures), what="10 accepted samples")
            ids = [str(f.request_id) for f in futures]
            for future in futures:
                future.cancel()
            await wait_for(lambda: len(log.answers(CANCEL)) == 10, what="10 cancel answers")
        finally:
            gate.set()
            await asyncio.gather(*blockers)
        assert all(f.state is FutureState.CANCELLED for f in futures)
        assert sorted(body["request_id"] for body in log.requests(CANCEL)) == sorted(ids)
        assert log.max_cancels_in_flight == 4
        entries = [backend.state.futures.get(i) for i in ids]
        await wait_for(lambda: all(e.finished for e in entries), what="the queued work to end")
        # Dropped: failed as cancelled, and no result kept even where the work ran anyway.
        assert [(e.state, e.error, e.result is None) for e in entries] == [
            (ServerState.FAILED, "request was cancelled", True)
        ] * 10
        async with aiohttp.ClientSession(headers={"X-API-Key": API_KEY}) as http:
            body = {"request_id": ids[0], "allow_metadata_only": False}
            async with http.post(url + FETCH, json=body) as response:
                assert json.loads(await response.read())["error"] == "request was cancelled"


async def test_cancellation_also_applies_to_per_future_polling(tmp_path: Path) -> None:
    """Without batch polling, cancelling the task awaiting a sample cancels it too."""
    log = WireLog()
    backend = batch_backend(tmp_path, dynamic_flags={"sample_cancel_enabled": True})
    gate = threading.Event()
    async with serve_logged(backend, log) as url, service(url) as client:
        sampler = await client.create_sampling_client(base_model=TINY_MODEL)
        blockers = [asyncio.ensure_future(backend.state.blocking(gate.wait)) for _ in range(2)]
        try:
            future = sampler.sample(PROMPT, 1, params(1))

            async def caller() -> object:
                return await future

            waiting = asyncio.create_task(caller())
            await wait_for(lambda: bool(log.requests(FETCH)), what="the first poll")
            waiting.cancel()
            await wait_for(lambda: bool(log.answers(CANCEL)), what="the cancel answer")
        finally:
            gate.set()
            await asyncio.gather(*blockers)
        assert waiting.cancelled()
        assert future.state is FutureState.CANCELLED
        assert log.requests(POLLS) == []
        assert log.requests(CANCEL) == [{"request_id": future.request_id}]
    assert completion_states(log) == {}


async def test_tinkex_serve_advertises_batch_polling_when_asked(tmp_path: Path) -> None:
    """``tinkex serve --batch-futures`` turns both flags on; without it both stay off."""
    with served(tmp_path / "data", "--batch-futures") as server:
        async with aiohttp.ClientSession(headers={"X-API-Key": API_KEY}) as http:
            body = {"sdk_version": "0.38.0"}
            async with http.post(server.url + "/api/v1/client/config", json=body) as response:
                config = await response.json()
            async with http.post(server.url + "/api/v1/client/dynamic_config", json=body) as r:
                dynamic = await r.json()
    assert config["sample_use_retrieve_futures"] is True
    assert dynamic["sample_cancel_enabled"] is True
    assert dynamic["sample_cancel_max_batch_size"] == 64


async def test_batch_polling_rides_out_a_faulty_server(tmp_path: Path) -> None:
    """503s and dropped connections on the polls and fetches lose no sample."""
    plan = FaultPlan(
        seed=5,
        error_5xx=0.15,
        drop_connection=0.15,
        endpoints=("retrieve_futures", "retrieve_future"),
    )
    log = WireLog()
    backend = batch_backend(tmp_path, fault_plan=plan, batch_futures=True)
    async with serve_logged(backend, log) as url, service(url) as client:
        sampler = await client.create_sampling_client(base_model=TINY_MODEL)
        responses = await asyncio.gather(
            *(sampler.sample(PROMPT, 1, params(seed)) for seed in range(30))
        )
    assert [len(r.sequences) for r in responses] == [1] * 30
    answers = log.answers(POLLS) + log.answers(FETCH)
    errors = sum(1 for a in answers if a.get("detail") == "injected server error")
    dropped = len(log.requests(POLLS) + log.requests(FETCH)) - len(answers)
    assert errors + dropped > 0  # the faults did hit
