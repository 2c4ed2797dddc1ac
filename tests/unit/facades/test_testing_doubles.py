"""tinkex.testing's doubles on their own: scripted routes, fallback, records, virtual time."""

from __future__ import annotations

import asyncio

import pytest

from tinkex.errors import APIConnectionError, ClosedError, ConfigError
from tinkex.ports.telemetry import TelemetryEvent
from tinkex.ports.transport import HttpRequest, HttpResponse
from tinkex.testing import RecordingTelemetrySink, ScriptedTransport, VirtualClock, respond

BASE = "http://tinker.test"


def _post(path: str) -> HttpRequest:
    return HttpRequest(method="POST", url=BASE + path, body=b"{}")


async def test_reply_answers_every_match_and_times_limits_it() -> None:
    """A reply answers each matching request; with times=N it then falls through."""
    transport = ScriptedTransport()
    transport.reply("POST", r"/api/v1/\w+", respond(200, {"ok": True}))
    transport.reply("POST", "/api/v1/flaky", respond(503), times=2)
    statuses = [(await transport.send(_post("/api/v1/flaky"))).status for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert (await transport.send(_post("/api/v1/other"))).body == b'{"ok": true}'
    assert (await transport.send(_post("/nowhere"))).status == 404  # no route, no fallback


async def test_script_plays_answers_once_each_then_passes_to_the_fallback() -> None:
    """A script answers in order, raising scripted errors, then the fallback answers."""
    server = ScriptedTransport()
    server.reply("POST", "/api/v1/forward", respond(200, {"from": "server"}))
    transport = ScriptedTransport(fallback=server)
    reset = APIConnectionError("reset", method="POST", url_path="/api/v1/forward")
    transport.script("POST", "/api/v1/forward", respond(503), reset, respond(429))

    first = await transport.send(_post("/api/v1/forward"))
    with pytest.raises(APIConnectionError) as raised:
        await transport.send(_post("/api/v1/forward"))
    third = await transport.send(_post("/api/v1/forward"))
    fourth = await transport.send(_post("/api/v1/forward"))

    assert (first.status, third.status, fourth.status) == (503, 429, 200)
    assert raised.value is not reset  # a copy each time: tracebacks do not accumulate
    assert transport.statuses() == [503, None, 429, 200]
    assert transport.exchanges[1].error is raised.value
    assert len(server.sent) == 1  # only the request the script did not answer


async def test_records_and_queries_by_method_and_path() -> None:
    """Every request is kept; requests_to matches the method and the whole path."""
    transport = ScriptedTransport()
    await transport.send(_post("/api/v1/a?x=1"))
    await transport.send(HttpRequest(method="GET", url=BASE + "/api/v1/a"))
    await transport.send(_post("/api/v1/ab"))
    assert transport.paths() == ["/api/v1/a", "/api/v1/a", "/api/v1/ab"]
    assert [r.url for r in transport.requests_to("post", "/api/v1/a")] == [BASE + "/api/v1/a?x=1"]
    assert len(transport.requests_to("POST", r"/api/v1/a\w*")) == 2


async def test_handlers_may_be_sync_or_async_and_see_the_request() -> None:
    """A handler answer receives the request; async handlers are awaited."""
    transport = ScriptedTransport()

    async def echo(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return respond(201, body=request.body or b"")

    transport.reply("POST", "/echo", echo)
    transport.reply("GET", "/sync", lambda request: respond(204, body=b""))
    assert (await transport.send(_post("/echo"))).status == 201
    assert (await transport.send(HttpRequest(method="GET", url=BASE + "/sync"))).status == 204


def test_bad_scripts_are_refused_with_a_clear_error() -> None:
    """An empty script, a non-answer or times < 1 raise ConfigError naming the problem."""
    transport = ScriptedTransport()
    with pytest.raises(ConfigError, match="at least one answer"):
        transport.script("POST", "/x")
    with pytest.raises(ConfigError, match="got int"):
        transport.reply("POST", "/x", 503)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="times must be at least 1"):
        transport.reply("POST", "/x", respond(), times=0)


async def test_closing_closes_the_fallback_and_refuses_sends() -> None:
    """aclose closes the fallback too; a closed transport raises ClosedError."""
    server = ScriptedTransport()
    transport = ScriptedTransport(fallback=server)
    await transport.aclose()
    assert server.closed
    with pytest.raises(ClosedError):
        await transport.send(_post("/x"))


def test_respond_builds_json_and_raw_bodies_with_lower_case_headers() -> None:
    """respond encodes JSON (default {}) or passes raw bytes; header names are lower-cased."""
    assert respond().body == b"{}"
    response = respond(429, {"detail": "slow"}, headers={"Retry-After": "2"})
    assert (response.status, response.headers["retry-after"]) == (429, "2")
    assert response.content_type == "application/json"
    raw = respond(200, body=b"\x00", headers={"Content-Type": "application/x-protobuf"})
    assert (raw.body, raw.content_type) == (b"\x00", "application/x-protobuf")


async def test_virtual_clock_jumps_to_deadlines_and_reports_elapsed() -> None:
    """Sleepers wake in deadline order at once; elapsed counts virtual seconds."""
    clock = VirtualClock()
    woke: list[float] = []

    async def sleeper(seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(clock.elapsed)

    await asyncio.gather(sleeper(30.0), sleeper(0.5), sleeper(5.0))
    assert woke == [0.5, 5.0, 30.0]
    assert clock.sleeps == [30.0, 0.5, 5.0]


async def test_virtual_time_does_not_jump_while_real_work_holds_the_clock() -> None:
    """Inside hold() a sleeper waits for the real work to finish before time jumps."""
    clock = VirtualClock()
    order: list[str] = []

    async def real_work() -> None:
        with clock.hold():
            await asyncio.sleep(0.02)  # e.g. a server thread computing an answer
            order.append(f"work done at {clock.elapsed:g}")

    async def backoff() -> None:
        await clock.sleep(10.0)
        order.append(f"backoff over at {clock.elapsed:g}")

    await asyncio.gather(real_work(), backoff())
    assert order == ["work done at 0", "backoff over at 10"]


async def test_recording_sink_keeps_events_and_counts_flushes() -> None:
    """The sink keeps events in order, counts flushes and marks itself closed."""
    sink = RecordingTelemetrySink()
    sink.emit(TelemetryEvent(event="SESSION_START"))
    sink.emit(TelemetryEvent(event="GENERIC_EVENT", event_name="dataset.loaded"))
    await sink.flush()
    await sink.aclose()
    assert sink.names() == ["SESSION_START", "dataset.loaded"]
    assert (sink.flushes, sink.closed) == (1, True)
