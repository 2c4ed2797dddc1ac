"""Spans and metrics of client operations, and the hooks flows call to report into them.

A client method (``forward_backward``, ``sample``...) returns a future at once and finishes in
tasks of its own. `Operation` is what tinkex knows about one such call while it runs: its
INTERNAL span (``TrainingClient.forward_backward``; parent of every request the call makes),
the queue state of each of its server futures, and when it started. It is made current (a
context variable, like the span) while the call creates its tasks, so code deep in the flows
reports into it without being handed anything:

- `note_queue_state` (the future poller): a ``tinker.queue_state_change`` span event, the
  ``tinker.queue_state`` attribute, and the time spent in the state left behind;
- `note_retry` (the HTTP, outer and sampling retry loops): a ``tinker.retry`` event on the
  current span and the retry counter;
- `adopt_ids` (the pipeline): session, model and sampling session ids of the call's requests
  on the operation's span.

`Observability` bundles a client stack's tracer, metric instruments and clock. Every name is
listed in ``docs/guides/observability.md``.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from tinkex.flows.otel_metrics import ClientInstruments
from tinkex.flows.tracing import (
    ATTR_MODEL_ID,
    ATTR_QUEUE_STATE,
    ATTR_QUEUE_STATE_PREVIOUS,
    ATTR_QUEUE_STATE_REASON,
    ATTR_REQUEST_ID,
    ATTR_REQUEST_TYPE,
    ATTR_RETRY_ATTEMPT,
    ATTR_RETRY_DELAY,
    ATTR_RETRY_LAYER,
    ATTR_RETRY_REASON,
    ATTR_SAMPLING_SESSION_ID,
    ATTR_SESSION_ID,
    EVENT_QUEUE_STATE,
    EVENT_RETRY,
    tracing_enabled,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from opentelemetry.metrics import Meter
    from opentelemetry.trace import Span, Tracer

    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import EndpointSpec
    from tinkex.ports.futures import QueueState

__all__ = [
    "Observability",
    "Operation",
    "adopt_ids",
    "current_instruments",
    "measured_call",
    "note_queue_state",
    "note_retry",
]

# The ids every request of one operation shares, copied onto the operation's span.
_OPERATION_IDS: Final = (ATTR_SESSION_ID, ATTR_MODEL_ID, ATTR_SAMPLING_SESSION_ID)

_operation: contextvars.ContextVar[Operation | None] = contextvars.ContextVar(
    "tinkex_operation", default=None
)
_instruments: contextvars.ContextVar[ClientInstruments | None] = contextvars.ContextVar(
    "tinkex_instruments", default=None
)


class Observability:
    """The tracer, metric instruments and clock one client stack reports with.

    Args:
        tracer: Opens the operation spans.
        meter: Creates the metric instruments (`ClientInstruments`; None: the global
            provider's, a no-op until the application installs an SDK).
        clock: Measures the durations metrics record.
    """

    def __init__(self, tracer: Tracer, meter: Meter | None, clock: Clock) -> None:
        self.tracer = tracer
        self.instruments = ClientInstruments(meter)
        self.clock = clock
        self.session_id: str | None = None
        """The stack's session, once created: an attribute of every operation span."""

    @contextmanager
    def operation(self, name: str, request_type: str) -> Iterator[Operation | None]:
        """Make a new operation current while the block creates the call's tasks.

        Yields None (and does nothing) while neither tracing nor metrics are on. The caller
        ends the operation with `Operation.end` once its outcome is known.
        """
        traced = tracing_enabled(self.tracer)
        if not traced and not self.instruments.enabled:
            yield None
            return
        attributes = {ATTR_REQUEST_TYPE: request_type}
        if self.session_id is not None:
            attributes[ATTR_SESSION_ID] = self.session_id
        span = (
            self.tracer.start_span(name, kind=SpanKind.INTERNAL, attributes=attributes)
            if traced
            else None
        )
        operation = Operation(self, request_type, span)
        token = _operation.set(operation)
        meters = _instruments.set(self.instruments)
        try:
            if span is None:
                yield operation
            else:
                with trace.use_span(span, end_on_exit=False):
                    yield operation
        finally:
            _instruments.reset(meters)
            _operation.reset(token)


class Operation:
    """One client call in progress: its span (if traced), queue states and start time."""

    def __init__(self, owner: Observability, request_type: str, span: Span | None) -> None:
        self.span = span
        self.request_type = request_type
        self._instruments = owner.instruments
        self._clock = owner.clock
        self._started = owner.clock.monotonic()
        # Per server future of the call: the state last reported and since when.
        self._queue: dict[str, tuple[QueueState, float]] = {}
        self._ended = False

    def queue_state(self, request_id: str, state: QueueState, reason: str | None) -> None:
        """Record a queue-state report for one of the call's futures (changes only)."""
        previous = self._queue.get(request_id)
        if previous is not None and previous[0] == state:
            return
        now = self._clock.monotonic()
        if previous is not None:
            self._left(previous, now)
        self._queue[request_id] = (state, now)
        if self.span is not None:
            attributes = {ATTR_REQUEST_ID: request_id, ATTR_QUEUE_STATE: state.value}
            if reason:
                attributes[ATTR_QUEUE_STATE_REASON] = reason
            if previous is not None:
                attributes[ATTR_QUEUE_STATE_PREVIOUS] = previous[0].value
            self.span.add_event(EVENT_QUEUE_STATE, attributes)
            self.span.set_attribute(ATTR_QUEUE_STATE, state.value)

    def end(
        self, *, outcome: str, request_id: str | None = None, error: BaseException | None = None
    ) -> None:
        """Finish: record the wait and the last queue states, then end the span (once).

        Args:
            outcome: ``success``, ``error`` or ``cancelled``.
            request_id: The future's request id, if the server accepted the call.
            error: The exception the call failed with.
        """
        if self._ended:
            return
        self._ended = True
        now = self._clock.monotonic()
        for entry in self._queue.values():
            self._left(entry, now)
        if self._instruments.enabled:
            self._instruments.future_finished(self.request_type, now - self._started, outcome)
        span = self.span
        if span is None:
            return
        if request_id is not None:
            span.set_attribute(ATTR_REQUEST_ID, request_id)
        if outcome == "cancelled":
            span.set_status(Status(StatusCode.ERROR, "cancelled"))
        elif error is not None:
            span.set_attribute("error.type", type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
        span.end()

    def _left(self, entry: tuple[QueueState, float], now: float) -> None:
        if self._instruments.enabled:
            self._instruments.queue_state_left(self.request_type, entry[0].value, now - entry[1])


def current_instruments() -> ClientInstruments | None:
    """The instruments of the operation or pipeline call in progress, if any."""
    return _instruments.get()


@contextmanager
def measured_call(
    instruments: ClientInstruments | None, endpoint: EndpointSpec, body: bytes | None, clock: Clock
) -> Iterator[None]:
    """Measure one pipeline call: in flight meanwhile, then its duration and outcome.

    The instruments are current inside (the call's retry loops count into them). With None,
    nothing is measured.
    """
    if instruments is None:
        yield
        return
    size = len(body) if body is not None else 0
    started = clock.monotonic()
    error: BaseException | None = None
    instruments.inflight(endpoint.name, size, 1)
    token = _instruments.set(instruments)
    try:
        yield
    except BaseException as exc:
        error = exc
        raise
    finally:
        _instruments.reset(token)
        instruments.inflight(endpoint.name, size, -1)
        seconds = clock.monotonic() - started
        instruments.request_finished(endpoint.name, endpoint.method, seconds, error)


def adopt_ids(ids: Mapping[str, str | int]) -> None:
    """Put the session, model and sampling session ids of a request on its operation's span."""
    operation = _operation.get()
    if operation is None or operation.span is None:
        return
    for name in _OPERATION_IDS:
        value = ids.get(name)
        if value is not None:
            operation.span.set_attribute(name, value)


def note_queue_state(request_id: str, state: QueueState, reason: str | None) -> None:
    """Hook for the future poller: a queue state was reported for `request_id`."""
    operation = _operation.get()
    if operation is not None:
        operation.queue_state(request_id, state, reason)


def note_retry(
    layer: str,
    reason: str | BaseException,
    *,
    attempt: int,
    delay_s: float | None = None,
    endpoint: str | None = None,
) -> None:
    """Hook for the retry loops: something is about to be sent again.

    Adds a ``tinker.retry`` event to the current span and counts the retry.

    Args:
        layer: ``http`` (one request), ``outer`` (a whole call) or ``sampling``.
        reason: Why, e.g. ``status 503`` (the event keeps it whole; the counter its start),
            or the error (``status <code>`` for status errors, else its class name).
        attempt: The attempt that failed (0 is the first).
        delay_s: The backoff before the next one, if known.
        endpoint: The endpoint retried, if known.
    """
    if isinstance(reason, BaseException):
        status = getattr(reason, "status", None)
        reason = f"status {status}" if isinstance(status, int) else type(reason).__name__
    span = trace.get_current_span()
    if span.is_recording():
        attributes: dict[str, str | int | float] = {
            ATTR_RETRY_LAYER: layer,
            ATTR_RETRY_REASON: reason,
            ATTR_RETRY_ATTEMPT: attempt,
        }
        if delay_s is not None:
            attributes[ATTR_RETRY_DELAY] = round(delay_s, 3)
        span.add_event(EVENT_RETRY, attributes)
    instruments = _instruments.get()
    if instruments is not None and instruments.enabled:
        instruments.retried(layer, reason, endpoint)
