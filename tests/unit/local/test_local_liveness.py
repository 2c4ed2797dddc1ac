"""Session expiry that does not blame the client for the event loop's own stalls (issue 15.7).

In-process, user code blocking the loop silences the heartbeat and the backend together; the
backend must not count that time. A client that really goes silent still expires, with a
WARNING naming the session and a 410 that says it expired.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING

import msgspec
from local_wire import KEY, LocalWire

import tinkex
from tinkex import types
from tinkex.adapters.clock import FakeClock
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.local import BackendConfig, InProcessTransport, LocalBackend
from tinkex.local.liveness import LoopStallMeter
from tinkex.ports.transport import HttpRequest

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

BASE = "http://local"


def _datum() -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
    )


def _expiry_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tinkex.local" and r.levelno == logging.WARNING
    ]


async def test_stall_meter_books_how_late_its_tick_woke() -> None:
    clock = FakeClock(auto_advance=False)
    meter = LoopStallMeter(clock, tick_s=1.0)
    start = meter.now()
    tick = asyncio.create_task(meter.tick())
    await asyncio.sleep(0)
    clock.advance(1.0)  # on time: the loop ran
    await tick
    assert meter.stalled_s == 0.0
    assert meter.now() == start + 1.0
    tick = asyncio.create_task(meter.tick())
    await asyncio.sleep(0)
    clock.advance(26.0)  # 25 s late: the loop could not run
    # Visible before the tick itself runs again, as a request would see it on waking.
    assert meter.now() == start + 2.0
    await tick
    assert meter.stalled_s == 25.0
    assert meter.now() == start + 2.0


async def test_blocked_loop_does_not_expire_the_in_process_session(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A 25 s block of the loop with a 15 s TTL: the session lives, later calls succeed."""
    caplog.set_level(logging.WARNING, logger="tinkex.local")
    clock = FakeClock()
    backend = LocalBackend(tmp_path, clock=clock, config=BackendConfig(session_ttl_s=15.0))
    adapters = Adapters(
        pool=SharedTransportPool(InProcessTransport(backend, BASE, close_backend=True)),
        clock=clock,
        base_url=BASE,
        threaded_heartbeat=False,
    )
    async with tinkex.ServiceClient(adapters=adapters, base_url="local", telemetry=False) as svc:
        training = await svc.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        await training.forward_backward([_datum()], "cross_entropy")
        # What `time.sleep(25)` inside a coroutine does: time passes, nothing on the loop runs.
        clock.advance(25.0)
        result = await training.forward_backward([_datum()], "cross_entropy")
        assert result.metrics["loss:sum"] > 0
        await training.optim_step(types.AdamParams(learning_rate=1e-3))
        [session] = backend.state.store.index.sessions.values()
        assert session.status == "active"
        assert backend.state.liveness.meter.stalled_s >= 20.0
    assert _expiry_warnings(caplog) == []


async def test_blocked_loop_in_real_time_with_a_short_ttl(tmp_path: Path) -> None:
    """The same with real time: a 0.6 s `time.sleep` on the loop, TTL 0.2 s."""
    backend = LocalBackend(tmp_path, config=BackendConfig(session_ttl_s=0.2))
    transport = InProcessTransport(backend, BASE, close_backend=True)

    async def post(path: str, body: object) -> tuple[int, bytes]:
        request = HttpRequest(
            method="POST",
            url=BASE + path,
            headers=(("X-API-Key", KEY), ("Content-Type", "application/json")),
            body=msgspec.json.encode(body),
        )
        response = await transport.send(request)
        return response.status, response.body

    _, raw = await post("/api/v1/create_session", {"tags": [], "sdk_version": "x"})
    session = msgspec.json.decode(raw)["session_id"]
    time.sleep(0.6)  # noqa: ASYNC251  # the point: user code blocking the event loop
    status, raw = await post("/api/v1/session_heartbeat", {"session_id": session})
    assert status == 200, raw
    await transport.aclose()


async def test_a_really_silent_client_expires_with_a_warning_and_a_clear_410(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The loop keeps running while the client stays silent: expiry on time, said loudly."""
    caplog.set_level(logging.WARNING, logger="tinkex.local")
    clock = FakeClock()
    backend = LocalBackend(tmp_path, clock=clock, config=BackendConfig(session_ttl_s=15.0))
    backend.watch_sessions()  # as the HTTP and in-process front ends do
    wire = LocalWire(backend)
    session = await wire.session()
    await clock.sleep(10.0)  # virtual time passes with the loop running (the sweeper ticks)
    status, _ = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert status == 200
    await clock.sleep(14.0)
    assert _expiry_warnings(caplog) == []
    await clock.sleep(3.0)
    # The sweeper expired it on its own, without waiting for a request to notice.
    # Noticed within one sweeper tick (TTL / 8, at most 1 s) of the deadline.
    silent = rf"session {session} expired: no heartbeat for 1[56]\.\d s \(session TTL 15 s\)"
    [warning] = _expiry_warnings(caplog)
    assert re.match(silent, warning), warning
    assert backend.state.store.index.sessions[session].status == "expired"
    status, reply = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert status == 410
    assert re.fullmatch(silent, reply["detail"]), reply
    body = {"session_id": session, "model_seq_id": 0, "base_model": "m"}
    status, reply = await wire.json("POST", "/api/v1/create_model", body)
    assert status == 410
    assert "expired" in reply["detail"]
    assert len(_expiry_warnings(caplog)) == 1
    await backend.aclose()


async def test_finished_sessions_say_finished_and_stop_the_sweeper(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = LocalBackend(tmp_path, clock=clock, config=BackendConfig(session_ttl_s=15.0))
    backend.watch_sessions()
    wire = LocalWire(backend)
    session = await wire.session()
    sweeper = backend.state.liveness._task
    assert sweeper is not None
    assert not sweeper.done()
    await wire.json("POST", f"/api/v1/sessions/{session}/finish", {"reason": {"type": "success"}})
    await clock.sleep(5.0)
    assert sweeper.done()  # nothing left to watch
    status, reply = await wire.json("POST", "/api/v1/session_heartbeat", {"session_id": session})
    assert (status, reply["detail"]) == (410, f"session {session} is finished")
    await backend.aclose()
