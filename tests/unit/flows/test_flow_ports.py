"""The flows satisfy the ports they implement (checked by mypy --strict on this file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows_fakes import JSON_CODEC, RETRIEVE_SPEC, ScriptedInvoker

from tinkex.adapters.clock import FakeClock
from tinkex.flows.heartbeat import (
    HeartbeatRunner,
    HeartbeatSender,
    LoopHeartbeat,
    ThreadedHeartbeat,
)
from tinkex.flows.polling import PollingFutureResolver
from tinkex.flows.queue_state import CompositeObserver, QueueStateLogger, QueueStateRecorder
from tinkex.flows.sessions import ManagedSession
from tinkex.flows.telemetry import BatchingTelemetry
from tinkex.ports.futures import FutureResolver, QueueState, QueueStateObserver

if TYPE_CHECKING:
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.sessions import SessionEndReason, SessionManager
    from tinkex.ports.telemetry import TelemetrySink


async def _send(session_id: str) -> None:
    return None


async def _create() -> str:
    return "s"


async def _finish(session_id: str, reason: SessionEndReason, detail: str | None) -> None:
    return None


async def _send_batch(batch: list[dict[str, object]]) -> None:
    return None


def _make_sender() -> HeartbeatSender:
    async def aclose() -> None:
        return None

    return _send, aclose


def test_flows_are_usable_through_their_ports() -> None:
    """Each flow type-checks as its port and starts in an idle, empty state."""
    clock = FakeClock()
    invoker: Invoker = ScriptedInvoker([])
    resolver: FutureResolver = PollingFutureResolver(
        invoker, RETRIEVE_SPEC, json_codec=JSON_CODEC, clock=clock
    )
    loop_beat = LoopHeartbeat(_send, clock=clock)
    runners: list[HeartbeatRunner] = [loop_beat, ThreadedHeartbeat(_make_sender)]
    session: SessionManager = ManagedSession(
        _create, heartbeat=runners[0], finish=_finish, clock=clock
    )
    sink: TelemetrySink = BatchingTelemetry(_send_batch, clock=clock)
    recorder = QueueStateRecorder()
    observers: list[QueueStateObserver] = [
        QueueStateLogger.for_sampling("s", clock=clock),
        recorder,
        CompositeObserver(recorder),
    ]
    observers[2].on_queue_state_change(QueueState.ACTIVE, None)
    assert recorder.states == [QueueState.ACTIVE]
    assert isinstance(resolver, PollingFutureResolver)
    assert resolver.pending() == []
    assert isinstance(session, ManagedSession)
    assert session.session_id is None
    assert isinstance(sink, BatchingTelemetry)
    assert sink.queued == 0
    assert loop_beat.beats == 0


def test_the_session_numbers_its_training_and_sampling_clients_independently() -> None:
    """Each counter of the session starts at 0 and advances only when reserved."""
    clock = FakeClock()
    session: SessionManager = ManagedSession(
        _create, heartbeat=LoopHeartbeat(_send, clock=clock), finish=_finish, clock=clock
    )
    models = [session.next_model_seq_id() for _ in range(3)]
    samplers = [session.next_sampling_session_seq_id() for _ in range(2)]
    assert (models, samplers) == ([0, 1, 2], [0, 1])
    assert session.next_model_seq_id() == 3
