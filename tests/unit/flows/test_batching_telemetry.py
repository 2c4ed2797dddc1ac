"""BatchingTelemetry: stamping, batching, bounded retries, bounded drain, never raising."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import pytest
from flows_fakes import capture_logger

from tinkex.adapters.clock import FakeClock
from tinkex.errors import APIConnectionError
from tinkex.flows.telemetry import (
    BatchingTelemetry,
    TelemetryConfig,
    build_batch_body,
    process_uuid,
    telemetry_enabled,
)
from tinkex.ports.telemetry import Severity, TelemetryEvent


class RecordingSender:
    """A send_batch that records batches and can fail a number of times (or forever)."""

    def __init__(self, clock: FakeClock, *, failures: int = 0, latency_s: float = 0.0) -> None:
        self.clock = clock
        self.failures = failures
        self.latency_s = latency_s
        self.batches: list[list[dict[str, Any]]] = []
        self.attempts = 0

    async def __call__(self, batch: list[dict[str, Any]]) -> None:
        self.attempts += 1
        if self.latency_s:
            await self.clock.sleep(self.latency_s)
        if self.failures:
            self.failures -= 1
            raise APIConnectionError("telemetry endpoint down")
        self.batches.append(batch)


def generic(name: str, **data: Any) -> TelemetryEvent:
    return TelemetryEvent(event="GENERIC_EVENT", event_name=name, event_data=data)


async def test_events_are_stamped_with_id_index_and_utc_timestamp() -> None:
    """Each event gets a uuid4 id, a session index from 0, and an ISO-8601 UTC timestamp."""
    clock = FakeClock()
    sender = RecordingSender(clock)
    sink = BatchingTelemetry(sender, clock=clock)
    sink.emit(TelemetryEvent(event="SESSION_START"))
    sink.emit(generic("custom.thing", answer=42))
    await sink.flush()
    first, second = sender.batches[0]
    assert [first["event_session_index"], second["event_session_index"]] == [0, 1]
    assert uuid.UUID(first["event_id"]).version == 4
    assert first["event_id"] != second["event_id"]
    stamp = datetime.fromisoformat(first["timestamp"])
    assert stamp.utcoffset() is not None
    assert stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert stamp.timestamp() == pytest.approx(clock.time())
    assert second["event_name"] == "custom.thing"
    assert second["event_data"] == {"answer": 42}
    assert second["severity"] == "INFO"
    await sink.aclose()


async def test_flush_sends_batches_of_at_most_100() -> None:
    """250 queued events leave as batches of 100, 100 and 50, in order."""
    clock = FakeClock()
    sender = RecordingSender(clock)
    sink = BatchingTelemetry(sender, clock=clock)
    for i in range(250):
        sink.emit(generic("e", i=i))
    await sink.flush()
    assert [len(b) for b in sender.batches] == [100, 100, 50]
    indexes = [e["event_session_index"] for b in sender.batches for e in b]
    assert indexes == list(range(250))
    assert sink.sent == 250
    await sink.aclose()


async def test_background_task_flushes_every_ten_seconds() -> None:
    """Queued events are sent by the periodic task after 10 s of virtual time."""
    clock = FakeClock(auto_advance=False)
    sender = RecordingSender(clock)
    sink = BatchingTelemetry(sender, clock=clock)
    sink.emit(generic("e"))
    await asyncio.sleep(0)
    clock.advance(9.9)
    await asyncio.sleep(0)
    assert sender.batches == []
    clock.advance(0.2)
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(sender.batches) == 1
    await sink.aclose()


async def test_overflow_drops_counts_and_warns_once() -> None:
    """Past max_queue, events are dropped and counted with a single warning."""
    clock = FakeClock()
    logger, logs = capture_logger()
    sink = BatchingTelemetry(
        RecordingSender(clock), clock=clock, config=TelemetryConfig(max_queue=5), logger=logger
    )
    for _ in range(12):
        sink.emit(generic("e"))
    assert sink.queued == 5
    assert sink.dropped == 7
    assert [e["event"] for e in logs.entries] == ["telemetry.queue_full"]
    await sink.aclose()


async def test_failed_batches_are_retried_a_bounded_number_of_times_then_dropped() -> None:
    """A batch is tried max_send_attempts times with short backoffs, then dropped."""
    clock = FakeClock()
    sender = RecordingSender(clock, failures=1000)
    sink = BatchingTelemetry(sender, clock=clock)
    sink.emit(generic("e"))
    await sink.flush()
    assert sender.attempts == 3
    assert [s for s in clock.sleeps if s != 10.0] == [0.5, 1.0]  # 10 s: the flush timer
    assert sink.dropped == 1
    sender2 = RecordingSender(clock, failures=2)
    sink2 = BatchingTelemetry(sender2, clock=clock)
    sink2.emit(generic("e"))
    await sink2.flush()
    assert len(sender2.batches) == 1
    await sink.aclose()
    await sink2.aclose()


async def test_down_endpoint_delays_close_by_at_most_the_drain_timeout() -> None:
    """With the endpoint down (each try hanging 5 s), aclose returns within drain_timeout_s."""
    clock = FakeClock()
    sender = RecordingSender(clock, failures=10**9, latency_s=5.0)
    sink = BatchingTelemetry(sender, clock=clock)
    for i in range(1000):
        sink.emit(generic("e", i=i))
    start = clock.monotonic()
    await sink.aclose()
    assert clock.monotonic() - start <= 5.0 + 1e-9
    assert sink.queued == 0
    assert sink.dropped == 1000
    sink.emit(generic("after close"))  # never raises, never blocks
    assert sink.dropped == 1001


async def test_emit_never_raises_or_blocks_even_without_a_loop_task() -> None:
    """emit with unserialisable data still returns at once."""
    clock = FakeClock()
    sink = BatchingTelemetry(RecordingSender(clock), clock=clock)
    sink.emit(generic("weird", obj=object()))
    assert sink.queued == 1
    await sink.aclose()


def test_emit_outside_an_event_loop_queues_for_a_later_flush() -> None:
    """Without a running loop, emit only queues; the next flush sends."""
    clock = FakeClock()
    sender = RecordingSender(clock)
    sink = BatchingTelemetry(sender, clock=clock)
    sink.emit(generic("e"))
    asyncio.run(sink.flush())
    assert len(sender.batches) == 1


async def test_emit_exception_redacts_keys_and_jwts() -> None:
    """UNHANDLED_EXCEPTION carries type and message with tml- keys and JWTs masked."""
    clock = FakeClock()
    sender = RecordingSender(clock)
    sink = BatchingTelemetry(sender, clock=clock)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    try:
        raise ValueError(f"bad key tml-SECRETSECRET and token {jwt}")
    except ValueError as exc:
        sink.emit_exception(exc, fatal=True)
    await sink.flush()
    (event,) = sender.batches[0]
    assert event["event"] == "UNHANDLED_EXCEPTION"
    assert event["severity"] == Severity.CRITICAL.value
    assert event["error_type"] == "ValueError"
    assert "tml-SECRET" not in event["error_message"]
    assert jwt not in event["error_message"]
    assert "bad key" in event["error_message"]
    assert "tml-SECRET" not in event["traceback"]
    await sink.aclose()


def test_telemetry_enabled_reads_truthy_values() -> None:
    """Default on; only 1/true/yes/on (any case) enable."""
    assert telemetry_enabled({})
    for value in ("1", "TRUE", "yes", " On "):
        assert telemetry_enabled({"TINKER_TELEMETRY": value})
    for value in ("0", "false", "", "no", "off"):
        assert not telemetry_enabled({"TINKER_TELEMETRY": value})


def test_build_batch_body_has_the_wire_keys() -> None:
    """The body carries events, platform, sdk_version, session_id and process_uuid."""
    body = build_batch_body([{"event": "X"}], session_id="s-1", sdk_version="0.38.0")
    assert set(body) == {"events", "platform", "sdk_version", "session_id", "process_uuid"}
    assert body["process_uuid"] == process_uuid()
    assert uuid.UUID(body["process_uuid"]).version == 4
