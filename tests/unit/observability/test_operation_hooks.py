"""The hooks flows call (`note_retry`, `note_queue_state`) and what an operation records.

Driven directly, in virtual time, so the durations are exact: what the poller and the retry
loops report lands on the operation that is current, and nowhere when there is none.
"""

from __future__ import annotations

import pytest
from observe_fixtures import Otel, attributes
from opentelemetry import trace

from tinkex.adapters.clock import FakeClock
from tinkex.errors import RateLimitError
from tinkex.flows.observability import Observability, note_queue_state, note_retry
from tinkex.ports.futures import QueueState


def _rate_limited() -> RateLimitError:
    return RateLimitError("Error code: 429", status=429, body=None)


def test_queue_states_and_the_wait_are_timed_on_the_stack_clock() -> None:
    """Paused 5 s then active 2 s: two state durations, a 7 s wait, one event per change."""
    otel, clock = Otel(), FakeClock()
    observability = Observability(otel.tracer, otel.meter, clock)
    with observability.operation("SamplingClient.sample", "Sample") as operation:
        assert operation is not None
        note_queue_state("req-1", QueueState.PAUSED_CAPACITY, "short on capacity")
        clock.advance(5.0)
        note_queue_state("req-1", QueueState.PAUSED_CAPACITY, None)  # no change: ignored
        note_queue_state("req-1", QueueState.ACTIVE, None)
        clock.advance(2.0)
    operation.end(outcome="success", request_id="req-1")
    operation.end(outcome="error")  # a second end changes nothing
    stays = {
        attributes(p)["tinker.queue_state"]: p.sum
        for p in otel.histograms("tinkex.future.queue_state.duration")
    }
    assert stays == {"paused_capacity": pytest.approx(5.0), "active": pytest.approx(2.0)}
    (waited,) = otel.histograms("tinkex.future.wait.duration")
    assert waited.sum == pytest.approx(7.0)
    assert attributes(waited) == {"tinker.request_type": "Sample", "tinker.outcome": "success"}
    (span,) = otel.finished()
    changes = [attributes(e) for e in span.events]
    assert changes == [
        {
            "tinker.request_id": "req-1",
            "tinker.queue_state": "paused_capacity",
            "tinker.queue_state.reason": "short on capacity",
        },
        {
            "tinker.request_id": "req-1",
            "tinker.queue_state": "active",
            "tinker.queue_state.previous": "paused_capacity",
        },
    ]
    assert attributes(span)["tinker.request_id"] == "req-1"


def test_a_sampling_retry_is_an_event_of_the_operation_and_a_counted_retry() -> None:
    """An error's status becomes the reason; the operation's instruments count it."""
    otel = Otel()
    observability = Observability(otel.tracer, otel.meter, FakeClock())
    with observability.operation("SamplingClient.sample", "Sample") as operation:
        note_retry("sampling", _rate_limited(), attempt=0, delay_s=1.25)
    assert operation is not None
    operation.end(outcome="success")
    (span,) = otel.finished()
    (event,) = span.events
    assert event.name == "tinker.retry"
    assert attributes(event) == {
        "tinker.retry.layer": "sampling",
        "tinker.retry.reason": "status 429",
        "tinker.retry.attempt": 0,
        "tinker.retry.delay_s": 1.25,
    }
    (counted,) = otel.points("tinkex.client.retries")
    assert counted.value == 1
    assert attributes(counted) == {
        "tinker.retry.layer": "sampling",
        "tinker.retry.reason": "status 429",
    }


def test_outside_any_operation_the_hooks_record_nothing() -> None:
    """No current operation or span: no event, no metric, no error."""
    otel = Otel()
    note_queue_state("req-2", QueueState.PAUSED_RATE_LIMIT, None)
    note_retry("outer", "status 503", attempt=1)
    assert not trace.get_current_span().is_recording()
    assert otel.points("tinkex.client.retries") == []


def test_with_neither_tracing_nor_metrics_no_operation_is_made() -> None:
    """The default (no SDK): the operation context yields None and costs nothing more."""
    observability = Observability(trace.NoOpTracer(), None, FakeClock())
    with observability.operation("TrainingClient.forward", "Forward") as operation:
        assert operation is None
