"""RecoveryMonitor in virtual time: polling, detection, poll errors, opt-in."""

from __future__ import annotations

import asyncio

import pytest
from recovery_fakes import FakeClient, FakeRest, FakeService, checkpoint, training_run

from tinkex.adapters.clock import FakeClock
from tinkex.recovery import (
    RecoveryError,
    RecoveryEvent,
    RecoveryExecutor,
    RecoveryMonitor,
    RecoveryPolicy,
    telemetry_listener,
)
from tinkex.testing import RecordingTelemetrySink

RUN = "sess-1:train:0"


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def _monitor(
    rest: FakeRest, clock: FakeClock, events: list[RecoveryEvent], **policy: object
) -> RecoveryMonitor[FakeClient]:
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(
        clock=clock, listeners=[events.append]
    )
    return RecoveryMonitor(
        rest,
        executor,
        RecoveryPolicy.from_mapping({"enabled": True, "poll_interval_s": 30.0, **policy}),
        clock=clock,
        listeners=[events.append],
    )


async def test_corrupted_run_is_detected_on_a_poll_and_restored() -> None:
    """The run is polled every 30 s; once corrupted it is restored and no longer watched."""
    clock = FakeClock(auto_advance=False)
    rest = FakeRest(training_run(RUN, last=checkpoint(RUN, "step-1")))
    service = FakeService()
    events: list[RecoveryEvent] = []
    async with _monitor(rest, clock, events) as monitor:
        monitor.monitor_run(RUN, service)
        await _settle()  # the polling loop is now asleep for 30 s
        clock.advance(29.0)
        await _settle()
        assert rest.calls == []
        for _ in range(3):
            clock.advance(30.0)
            await _settle()
        assert rest.calls == [RUN, RUN, RUN]
        rest.corrupt(RUN)
        clock.advance(30.0)
        await _settle()
        results = await monitor.wait_recoveries()
        assert monitor.watched == frozenset()
    assert results[0] is not None
    assert results[0].client == FakeClient(
        path=f"tinker://{RUN}/weights/step-1", with_optimizer=True
    )
    names = [e.name for e in events]
    assert names[0] == "recovery.detected"
    assert names[-1] == "recovery.completed"


async def test_poll_errors_are_reported_and_the_run_stays_watched() -> None:
    """A failed poll emits poll_error; the next poll still detects corruption."""
    clock = FakeClock()
    rest = FakeRest(training_run(RUN, corrupted=True, last=checkpoint(RUN, "a")))
    rest.poll_failures = 1
    events: list[RecoveryEvent] = []
    monitor = _monitor(rest, clock, events)
    monitor.monitor_run(RUN, FakeService())
    assert await monitor.poll_once() == []
    assert monitor.watched == {RUN}
    assert await monitor.poll_once() == [RUN]
    await monitor.wait_recoveries()
    await monitor.aclose()
    assert events[0].name == "recovery.poll_error"
    assert events[0].error is not None
    assert "InternalServerError" in events[0].error


async def test_disabled_policy_watches_nothing() -> None:
    """Recovery is opt-in: monitor_run refuses under the default policy."""
    monitor: RecoveryMonitor[FakeClient] = RecoveryMonitor(
        FakeRest(), RecoveryExecutor(clock=FakeClock()), RecoveryPolicy(), clock=FakeClock()
    )
    with pytest.raises(RecoveryError, match="disabled"):
        monitor.monitor_run(RUN, FakeService())
    assert monitor.watched == frozenset()


async def test_stop_monitoring_and_closed_monitor() -> None:
    """A run can be unwatched; a closed monitor refuses new runs."""
    clock = FakeClock()
    monitor = _monitor(FakeRest(training_run(RUN)), clock, [])
    monitor.monitor_run(RUN, FakeService())
    assert monitor.stop_monitoring(RUN) is True
    assert monitor.stop_monitoring(RUN) is False
    await monitor.aclose()
    with pytest.raises(RecoveryError, match="closed"):
        monitor.monitor_run(RUN, FakeService())


async def test_telemetry_listener_forwards_events_as_generic_events() -> None:
    """Events reach a telemetry sink under their recovery.* names."""

    sink = RecordingTelemetrySink()
    forward = telemetry_listener(sink)
    forward(RecoveryEvent(name="recovery.exhausted", run_id=RUN, attempt=3, error="boom"))
    (event,) = sink.events
    assert event.event_name == "recovery.exhausted"
    assert event.severity == "ERROR"
    assert event.event_data == {
        "name": "recovery.exhausted",
        "run_id": RUN,
        "attempt": 3,
        "error": "boom",
    }
