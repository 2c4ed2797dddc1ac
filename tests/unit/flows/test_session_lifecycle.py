"""ManagedSession, LoopHeartbeat and ThreadedHeartbeat."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from flows_fakes import capture_logger, connection_error, status

from tinkex.adapters.clock import FakeClock
from tinkex.errors import APIConnectionError, ClosedError
from tinkex.flows.heartbeat import HeartbeatSender, LoopHeartbeat, ThreadedHeartbeat
from tinkex.flows.sessions import ManagedSession
from tinkex.ports.sessions import SessionEndReason
from tinkex.testing.telemetry import RecordingTelemetrySink


class RecordingHeartbeat:
    """A HeartbeatRunner that records start/stop calls."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.stops = 0

    def start(self, session_id: str, /) -> None:
        self.started.append(session_id)

    async def stop(self) -> None:
        self.stops += 1


class FakeServer:
    """create/finish endpoints with call logs."""

    def __init__(self, clock: FakeClock, *, create_delay_s: float = 0.0) -> None:
        self.clock = clock
        self.create_delay_s = create_delay_s
        self.creates = 0
        self.finishes: list[tuple[str, SessionEndReason, str | None]] = []
        self.fail_next_create = False

    async def create(self) -> str:
        self.creates += 1
        await self.clock.sleep(self.create_delay_s)
        if self.fail_next_create:
            self.fail_next_create = False
            raise connection_error()
        return f"session-{self.creates}"

    async def finish(self, session_id: str, reason: SessionEndReason, detail: str | None) -> None:
        self.finishes.append((session_id, reason, detail))


def make_session(
    clock: FakeClock, **kwargs: float
) -> tuple[ManagedSession, FakeServer, RecordingHeartbeat]:
    server = FakeServer(clock, **kwargs)
    heartbeat = RecordingHeartbeat()
    session = ManagedSession(server.create, heartbeat=heartbeat, finish=server.finish, clock=clock)
    return session, server, heartbeat


async def test_concurrent_callers_share_one_creation() -> None:
    """Ten concurrent ensure_session calls create one session and start heartbeats once."""
    clock = FakeClock()
    session, server, heartbeat = make_session(clock, create_delay_s=1.0)
    ids = await asyncio.gather(*(session.ensure_session() for _ in range(10)))
    assert set(ids) == {"session-1"}
    assert server.creates == 1
    assert heartbeat.started == ["session-1"]
    assert await session.ensure_session() == "session-1"
    assert server.creates == 1


async def test_failed_creation_is_retried_by_the_next_caller() -> None:
    """A creation error reaches the caller; the next call creates again."""
    clock = FakeClock()
    session, server, _ = make_session(clock)
    server.fail_next_create = True
    with pytest.raises(Exception, match="Connection error"):
        await session.ensure_session()
    assert await session.ensure_session() == "session-2"


async def test_cancelled_caller_does_not_cancel_the_shared_creation() -> None:
    """Cancelling one waiter leaves the creation running for the others."""
    clock = FakeClock()
    session, server, _ = make_session(clock, create_delay_s=1.0)
    first = asyncio.create_task(session.ensure_session())
    second = asyncio.create_task(session.ensure_session())
    await asyncio.sleep(0)
    first.cancel()
    assert await second == "session-1"
    assert server.creates == 1


async def test_aclose_finishes_once_and_stops_heartbeats() -> None:
    """aclose is idempotent: one finish with the reason and detail, heartbeats stopped."""
    clock = FakeClock()
    session, server, heartbeat = make_session(clock)
    await session.ensure_session()
    await asyncio.gather(
        session.aclose(SessionEndReason.ERRORED, "boom"), session.aclose(), session.aclose()
    )
    assert server.finishes == [("session-1", SessionEndReason.ERRORED, "boom")]
    assert heartbeat.stops == 1
    with pytest.raises(ClosedError):
        await session.ensure_session()


async def test_aclose_before_any_session_sends_nothing() -> None:
    """Closing an unused manager finishes nothing."""
    clock = FakeClock()
    session, server, _ = make_session(clock)
    await session.aclose()
    assert server.finishes == []
    assert session.closed


async def test_aclose_during_creation_finishes_the_new_session() -> None:
    """A session being created when aclose arrives is still finished (no zombie)."""
    clock = FakeClock()
    session, server, _ = make_session(clock, create_delay_s=5.0)
    creating = asyncio.create_task(session.ensure_session())
    await asyncio.sleep(0)
    await session.aclose(SessionEndReason.INTERRUPTED)
    assert await creating == "session-1"
    assert server.finishes == [("session-1", SessionEndReason.INTERRUPTED, None)]


async def test_a_created_session_reports_its_start_and_its_end_with_the_duration() -> None:
    """SESSION_START once created; SESSION_END with the duration, even if finish fails."""
    clock = FakeClock()
    server = FakeServer(clock)
    sink = RecordingTelemetrySink()

    async def failing_finish(session_id: str, reason: SessionEndReason, detail: str | None) -> None:
        raise connection_error()

    session = ManagedSession(
        server.create,
        heartbeat=RecordingHeartbeat(),
        finish=failing_finish,
        clock=clock,
        telemetry=sink,
    )
    await session.ensure_session()
    assert sink.names() == ["SESSION_START"]
    await clock.sleep(90.5)
    with pytest.raises(APIConnectionError):
        await session.aclose()
    assert sink.names() == ["SESSION_START", "SESSION_END"]
    assert sink.events[1].event_data == {"duration": "0:01:30.500000"}


async def test_a_session_never_created_reports_nothing() -> None:
    """Closing before creation sends no finish and no SESSION_END."""
    clock = FakeClock()
    server = FakeServer(clock)
    sink = RecordingTelemetrySink()
    session = ManagedSession(
        server.create,
        heartbeat=RecordingHeartbeat(),
        finish=server.finish,
        clock=clock,
        telemetry=sink,
    )
    await session.aclose()
    assert sink.events == []
    assert server.finishes == []


async def test_a_joined_session_is_kept_alive_but_never_finished() -> None:
    """A joined session needs no create call, beats, and is left to its owner on close."""
    heartbeat = RecordingHeartbeat()
    session = ManagedSession.joined("session-9", heartbeat=heartbeat, clock=FakeClock())
    assert await session.ensure_session() == "session-9"
    assert heartbeat.started == ["session-9"]
    await session.aclose(SessionEndReason.ERRORED)
    assert heartbeat.stops == 1
    with pytest.raises(ClosedError):
        await session.ensure_session()


async def test_loop_heartbeat_beats_every_interval_and_stops_on_410() -> None:
    """Beats every 10 s of virtual time; a 410 ends the loop with an info event."""
    clock = FakeClock()
    logger, logs = capture_logger()
    sent: list[float] = []

    async def send(session_id: str) -> None:
        sent.append(clock.monotonic())
        if len(sent) == 4:
            raise status(410)

    heartbeat = LoopHeartbeat(send, clock=clock, logger=logger)
    start = clock.monotonic()
    heartbeat.start("s-1")
    while not heartbeat.finished:
        await clock.sleep(1)
    assert [t - start for t in sent] == [10, 20, 30, 40]
    assert heartbeat.beats == 3
    # The server ended the session: a warning that says so and what to do, not an info line.
    assert [(e["event"], e["log_level"]) for e in logs.entries] == [("session.expired", "warning")]
    assert "create a new ServiceClient" in logs.entries[0]["advice"]
    await heartbeat.stop()


async def test_loop_heartbeat_warns_each_beat_after_120s_without_success() -> None:
    """Failures warn only once no beat succeeded for over 120 s, then on every beat."""
    clock = FakeClock()
    logger, logs = capture_logger()

    async def send(session_id: str) -> None:
        raise connection_error()

    heartbeat = LoopHeartbeat(send, clock=clock, logger=logger)
    heartbeat.start("s-1")
    await clock.sleep(155)
    await heartbeat.stop()
    warnings = [e for e in logs.entries if e["event"] == "session.heartbeat_failing"]
    assert [w["failing_for_s"] for w in warnings] == [130, 140, 150]


class ThreadRecorder:
    """Builds senders inside the heartbeat thread and records where and when they ran."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.threads: set[int] = set()
        self.closed = threading.Event()

    def make_sender(self) -> HeartbeatSender:
        asyncio.get_running_loop()  # the factory runs inside the thread's own loop

        async def send(session_id: str) -> None:
            self.threads.add(threading.get_ident())
            self.times.append(time.monotonic())

        async def aclose() -> None:
            self.closed.set()

        return send, aclose


@pytest.mark.timeout(10)
async def test_threaded_heartbeat_keeps_beating_while_the_main_loop_is_blocked() -> None:
    """With the main loop blocked for 0.5 s, the thread still sends at least five beats."""
    recorder = ThreadRecorder()
    heartbeat = ThreadedHeartbeat(recorder.make_sender, interval_s=0.05, lag_warn_s=10)
    heartbeat.start("s-1")
    await asyncio.sleep(0.06)
    blocked_from = time.monotonic()
    time.sleep(0.5)  # noqa: ASYNC251 - the point: user code hogging the event loop
    blocked_until = time.monotonic()
    stop_started = time.monotonic()
    await heartbeat.stop()
    assert time.monotonic() - stop_started < 1.0
    during = [t for t in recorder.times if blocked_from <= t <= blocked_until]
    assert len(during) >= 5
    assert recorder.threads
    assert threading.get_ident() not in recorder.threads
    assert recorder.closed.is_set()
    assert heartbeat.beats == len(recorder.times)
    assert heartbeat.lag_s >= 0.0


@pytest.mark.timeout(10)
async def test_threaded_heartbeat_stop_is_prompt_and_410_ends_it() -> None:
    """stop() returns at once even with a 10 s interval; a 410 ends the thread by itself."""
    recorder = ThreadRecorder()
    heartbeat = ThreadedHeartbeat(recorder.make_sender, interval_s=10.0)
    heartbeat.start("s-1")
    started = time.monotonic()
    await heartbeat.stop()
    assert time.monotonic() - started < 1.0
    assert recorder.closed.is_set()

    told_gone = threading.Event()

    def gone_sender() -> HeartbeatSender:
        async def send(session_id: str) -> None:
            told_gone.set()
            raise status(410)

        async def aclose() -> None:
            return None

        return send, aclose

    finished = ThreadedHeartbeat(gone_sender, interval_s=0.01)
    finished.start("s-2")
    assert await asyncio.to_thread(told_gone.wait, 5)
    await finished.stop()
    assert finished.finished
    assert finished.beats == 0
