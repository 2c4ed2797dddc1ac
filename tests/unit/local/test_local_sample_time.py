"""`BackendConfig.sample_time_s` / ``--sample-time``: model time per sample, waited out together.

The clock is virtual and moves only when a test advances it, so "not before the model time"
and "all together after one model time" are exact, not timed.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

import pytest
from local_wire import PROTO, LocalWire

import tinkex.local.__main__ as cli
from tinkex.adapters.clock import FakeClock
from tinkex.local import BackendConfig, LocalBackend
from tinkex.proto.wire import decode_sample_response

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

MODEL_TIME_S = 2.0
SAMPLES = 20
# Zero long-poll budget: the header leaves nothing after the backend's 1 s margin.
AT_ONCE = {"x-stainless-read-timeout": "1", "Accept": PROTO}


def _backend(tmp_path: Path, clock: FakeClock, *, null_model: bool, **config: Any) -> LocalBackend:
    settings = BackendConfig(poll_timeout_s=30.0, session_ttl_s=None, **config)
    return LocalBackend(tmp_path / "data", clock=clock, config=settings, null_model=null_model)


@pytest.fixture
def still_clock() -> FakeClock:
    """A clock that moves only when the test advances it."""
    return FakeClock(auto_advance=False)


@pytest.fixture(params=[False, True], ids=["tiny-model", "null-model"])
async def timed(tmp_path: Path, still_clock: FakeClock, request: Any) -> AsyncIterator[LocalWire]:
    backend = _backend(tmp_path, still_clock, null_model=request.param, sample_time_s=MODEL_TIME_S)
    yield LocalWire(backend)
    await backend.aclose()


async def _submit(wire: LocalWire, sampler: str, seq_id: int) -> str:
    body = {
        "num_samples": 1,
        "prompt": {"chunks": [{"tokens": list(b"Hi"), "type": "encoded_text"}]},
        "sampling_params": {"max_tokens": 3, "temperature": 1.0, "seed": seq_id},
        "sampling_session_id": sampler,
        "seq_id": seq_id,
        "type": "sample",
    }
    status, reply = await wire.json("POST", "/api/v1/asample", body)
    assert status == 200, reply
    return str(reply["request_id"])


async def _retrieve(
    wire: LocalWire, request_id: str, headers: dict[str, str]
) -> tuple[int, str, bytes]:
    body = {"request_id": request_id, "allow_metadata_only": False}
    status, answer_headers, raw = await wire.call(
        "POST", "/api/v1/retrieve_future", body, headers=headers
    )
    return status, answer_headers.get("content-type", ""), raw


def _try_again(answer: tuple[int, str, bytes]) -> bool:
    status, media, raw = answer
    return status == 200 and media == "application/json" and b"try_again" in raw


async def _finished(wire: LocalWire, sampler: str) -> list[str]:
    """The request ids of the sampler's finished samples, asked without waiting."""
    target = {"type": "sampling_session", "sampling_session_id": sampler}
    poll = {"target": target, "prev_cursor": 0, "timeout": 0}
    status, reply = await wire.json("POST", "/api/v1/retrieve_futures", poll)
    assert status == 200, reply
    return [c["request_id"] for c in reply["completions"] if c["state"] == "finished"]


async def _until(condition: Any, what: str) -> None:
    # Real time passes only for the model's worker threads; bounded, no timing asserted.
    for _ in range(1000):
        if await condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_samples_finish_together_one_model_time_after_acceptance(
    timed: LocalWire, still_clock: FakeClock
) -> None:
    """n samples started together are not ready before the model time, and all are after it."""
    sampler = await timed.sampling_session()
    ids = [await _submit(timed, sampler, seq) for seq in range(SAMPLES)]

    async def all_waiting() -> bool:
        return len(still_clock.sleeps) >= SAMPLES

    await _until(all_waiting, "every sample waiting out its model time")
    # Each waits its own model time from its own acceptance, side by side: not n of them.
    assert still_clock.sleeps == [MODEL_TIME_S] * SAMPLES
    assert all([_try_again(await _retrieve(timed, i, AT_ONCE)) for i in ids])
    assert await _finished(timed, sampler) == []

    still_clock.advance(MODEL_TIME_S * 0.95)
    await asyncio.sleep(0)
    assert await _finished(timed, sampler) == []
    long_poll = asyncio.ensure_future(_retrieve(timed, ids[-1], {"Accept": PROTO}))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not long_poll.done(), "the long poll must hold until the sample is done"

    still_clock.advance(MODEL_TIME_S * 0.05)
    status, media, raw = await asyncio.wait_for(long_poll, 5.0)
    assert (status, media) == (200, PROTO)
    assert len(decode_sample_response(raw).sequences[0].tokens) == 3

    async def all_done() -> bool:
        return sorted(await _finished(timed, sampler)) == sorted(ids)

    await _until(all_done, "every sample finished")
    answers = [await _retrieve(timed, i, AT_ONCE) for i in ids]
    assert all(a[:2] == (200, PROTO) for a in answers)


async def test_stream_sample_takes_the_model_time_too(
    tmp_path: Path, still_clock: FakeClock
) -> None:
    """stream_sample answers only once the model time has passed."""
    backend = _backend(tmp_path, still_clock, null_model=True, sample_time_s=MODEL_TIME_S)
    wire = LocalWire(backend)
    sampler = await wire.sampling_session()
    body = {
        "prompt": {"chunks": [{"tokens": list(b"Hi"), "type": "encoded_text"}]},
        "sampling_params": {"max_tokens": 2},
        "sampling_session_id": sampler,
    }
    streamed = asyncio.ensure_future(wire.call("POST", "/api/v1/stream_sample", body))

    async def waiting() -> bool:
        return still_clock.sleeps == [MODEL_TIME_S]

    await _until(waiting, "the stream waiting out its model time")
    assert not streamed.done()
    still_clock.advance(MODEL_TIME_S)
    status, _, raw = await asyncio.wait_for(streamed, 5.0)
    assert status == 200
    assert raw.count(b"event: token") == 2
    assert b"event: done" in raw
    await backend.aclose()


async def test_no_model_time_by_default(tmp_path: Path, still_clock: FakeClock) -> None:
    """By default a sample finishes as soon as the model has run: no wait on the clock."""
    backend = _backend(tmp_path, still_clock, null_model=True)
    wire = LocalWire(backend)
    sampler = await wire.sampling_session()
    request_id = await _submit(wire, sampler, 0)

    async def done() -> bool:
        return await _finished(wire, sampler) == [request_id]

    await _until(done, "the sample finished without the clock moving")
    assert still_clock.sleeps == []
    assert (await _retrieve(wire, request_id, AT_ONCE))[:2] == (200, PROTO)
    await backend.aclose()


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_sample_time_must_be_finite_and_not_negative(bad: float) -> None:
    """A negative, NaN or infinite model time is refused, naming the field."""
    with pytest.raises(ValueError, match="sample_time_s"):
        BackendConfig(sample_time_s=bad)


def test_command_line_sets_the_model_time(tmp_path: Path, monkeypatch: Any) -> None:
    """``serve --sample-time 0.25`` builds a backend with that model time."""
    served: list[LocalBackend] = []

    async def fake_serve(backend: LocalBackend, *_: object, **__: object) -> None:
        served.append(backend)
        await backend.aclose()

    monkeypatch.setattr(cli, "serve", fake_serve)
    assert cli.main(["serve", "--data-dir", str(tmp_path), "--sample-time", "0.25"]) == 0
    assert served[0].state.config.sample_time_s == 0.25


@pytest.mark.parametrize("bad", ["-1", "nan", "inf", "soon"])
def test_command_line_refuses_a_bad_model_time(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad ``--sample-time`` is a usage error that names the flag, before anything starts."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--data-dir", str(tmp_path), "--sample-time", bad])
    assert exited.value.code == 2
    assert "--sample-time" in capsys.readouterr().err
