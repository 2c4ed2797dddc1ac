"""The public telemetry reporter, exception capture and recording sink."""

from __future__ import annotations

import asyncio

import pytest
import structlog
from structlog.testing import capture_logs

from tinkex.adapters.clock import FakeClock
from tinkex.errors import (
    BadRequestError,
    RateLimitError,
    RequestErrorCategory,
    RequestFailedError,
)
from tinkex.telemetry import (
    RecordingTelemetrySink,
    Severity,
    TelemetryReporter,
    capture_exceptions,
    is_user_error,
)


def _reporter(clock: FakeClock | None = None) -> tuple[TelemetryReporter, RecordingTelemetrySink]:
    sink = RecordingTelemetrySink()
    return TelemetryReporter(sink, clock=clock or FakeClock()), sink


def test_log_emits_a_generic_event_with_data_and_severity() -> None:
    """log() queues a GENERIC_EVENT carrying name, data and severity."""
    reporter, sink = _reporter()
    assert reporter.log("dataset.loaded", {"rows": 3}, "WARNING") is True
    (event,) = sink.events
    assert (event.event, event.event_name, event.severity) == (
        "GENERIC_EVENT",
        "dataset.loaded",
        Severity.WARNING,
    )
    assert event.event_data == {"rows": 3}


def test_user_errors_are_found_through_the_cause_chain() -> None:
    """4xx (not 408/429) and user-category failures are user errors, even when wrapped."""
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = BadRequestError("bad", status=400)
    assert is_user_error(wrapped)
    context = RuntimeError("during handling")
    context.__context__ = wrapped
    assert is_user_error(context)
    assert not is_user_error(RateLimitError("slow down", status=429))
    assert is_user_error(
        RequestFailedError("failed", request_id="r", category=RequestErrorCategory.USER)
    )
    assert not is_user_error(ValueError("plain"))


def test_log_exception_reports_user_errors_as_warnings() -> None:
    """A user error becomes a user_error warning with its status, not an unhandled exception."""
    reporter, sink = _reporter()
    reporter.log_exception(BadRequestError("bad input", status=400))
    (event,) = sink.events
    assert event.event_name == "user_error"
    assert event.severity == Severity.WARNING
    assert event.event_data["status_code"] == 400


def test_fatal_exception_adds_one_session_end_with_duration() -> None:
    """fatal=True reports CRITICAL and SESSION_END (only once) with the elapsed time."""
    clock = FakeClock()
    reporter, sink = _reporter(clock)
    clock.advance(61.5)
    reporter.log_exception(RuntimeError("boom"), fatal=True)
    reporter.log_exception(RuntimeError("again"), fatal=True)
    assert sink.names() == ["UNHANDLED_EXCEPTION", "SESSION_END", "UNHANDLED_EXCEPTION"]
    assert sink.events[0].severity == Severity.CRITICAL
    assert "boom" in sink.events[0].event_data["traceback"]
    assert sink.events[1].event_data == {"duration": "0:01:01.500000"}


def test_capture_exceptions_logs_and_reraises_in_with_blocks() -> None:
    """The context manager reports the exception and lets it propagate."""
    reporter, sink = _reporter()
    with pytest.raises(KeyError), reporter.capture_exceptions():
        raise KeyError("missing")
    assert sink.names() == ["UNHANDLED_EXCEPTION"]
    assert sink.events[0].event_data["error_type"] == "KeyError"


async def test_capture_exceptions_decorates_async_functions_and_flushes_when_fatal() -> None:
    """As a decorator of a coroutine function it reports, flushes (fatal) and re-raises."""
    reporter, sink = _reporter()

    @capture_exceptions(reporter, fatal=True)
    async def failing(x: int) -> int:
        await asyncio.sleep(0)
        raise ValueError(f"bad {x}")

    with pytest.raises(ValueError, match="bad 3"):
        await failing(3)
    assert sink.names() == ["UNHANDLED_EXCEPTION", "SESSION_END"]
    assert sink.flushes == 1


def test_capture_exceptions_without_reporter_only_reraises() -> None:
    """With telemetry off (None) nothing is reported, and results pass through."""

    @capture_exceptions(None)
    def double(x: int) -> int:
        return 2 * x

    assert double(4) == 8
    with pytest.raises(ZeroDivisionError), capture_exceptions(None):
        _ = 1 / 0


def test_cancellation_is_not_reported() -> None:
    """CancelledError (a BaseException) passes through unreported."""
    reporter, sink = _reporter()
    with pytest.raises(asyncio.CancelledError), reporter.capture_exceptions():
        raise asyncio.CancelledError
    assert sink.events == []


def test_attach_logger_mirrors_events_at_or_above_its_level_until_detached() -> None:
    """Attached loggers see events at their level or above; detach stops them."""
    reporter, sink = _reporter()
    logger = structlog.get_logger()
    with capture_logs() as logs:
        handler = reporter.attach_logger(logger, level="WARNING")
        reporter.log("quiet", {"a": 1})
        reporter.log("loud", {"b": 2}, Severity.ERROR)
        assert reporter.detach(handler) is True
        reporter.log("after", {}, Severity.ERROR)
    assert [entry["event"] for entry in logs] == ["loud"]
    assert logs[0]["b"] == 2
    assert reporter.detach(handler) is False
    assert len(sink.events) == 3
