"""Configuration, errors and bookkeeping for future polling (retrieve_future and retrieve_futures).

The poll loops live in `tinkex.flows.polling` (retrieve_future) and `tinkex.flows.batch_polling`
(retrieve_futures); this module holds what they keep between iterations and across futures:
the tunables (`FuturesConfig`, `SessionFuturesConfig`), the errors raised when a promise is
gone (`PromiseExpiredError`) or a session's poll loop failed (`SessionFuturesError`), and the
registry behind the "what is pending" dump (`FutureRegistry`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from tinkex.domain.backoff import Backoff
from tinkex.errors import APIError, FutureTimeoutError, GoneError
from tinkex.flows.observability import note_queue_state
from tinkex.ports.futures import QueueState
from tinkex.ports.telemetry import TelemetryEvent

if TYPE_CHECKING:
    from collections.abc import Mapping

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock
    from tinkex.ports.futures import QueueStateObserver
    from tinkex.ports.telemetry import Severity, TelemetrySink

__all__ = [
    "PROTOBUF_MEDIA_TYPE",
    "FutureProtocol",
    "FutureRegistry",
    "FuturesConfig",
    "PendingEntry",
    "PendingInfo",
    "PollReporter",
    "PollState",
    "PromiseExpiredError",
    "SessionFuturesConfig",
    "SessionFuturesError",
    "poll_headers",
]


PROTOBUF_MEDIA_TYPE = "application/x-protobuf"
_EVENT_PREFIX = "APIFuture.result_async."


class FutureProtocol(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How retrieve_future answers and polls are spelled (the manifest's `futures` block).

    Attributes:
        try_again_field: Body field whose `try_again_value` means "not done, poll again".
        try_again_value: See `try_again_field`.
        metadata_field: Body field whose `metadata_value` announces a large result.
        metadata_value: See `metadata_field`.
        metadata_size_field: Body field with the announced result's size in bytes.
        error_field: Body field present when the request failed.
        category_field: Body field with the failure's category (user, server...).
        queue_state_field: Body field with the server's queue state.
        queue_state_reason_field: Body field saying why the queue is in that state.
        iteration_header: Header counting the polls of one future (0 first).
        request_type_header: Header naming the kind of request polled for.
        roundtrip_header: Header on the first poll: seconds from submission to future.
    """

    try_again_field: str = "type"
    try_again_value: str = "try_again"
    metadata_field: str = "status"
    metadata_value: str = "complete_metadata"
    metadata_size_field: str = "response_payload_size"
    error_field: str = "error"
    category_field: str = "category"
    queue_state_field: str = "queue_state"
    queue_state_reason_field: str = "queue_state_reason"
    iteration_header: str = "X-Tinker-Request-Iteration"
    request_type_header: str = "X-Tinker-Request-Type"
    roundtrip_header: str = "X-Tinker-Create-Promise-Roundtrip-Time"


DEFAULT_PROTOCOL = FutureProtocol()
"""The spelling of the official service (what the shipped manifest declares)."""


class FuturesConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Tunables of the retrieve_future poll loop.

    Attributes:
        poll_timeout_s: Timeout of one long-poll request (the server holds it open).
        max_bad_request_retries: How many 400s in a row are re-polled before giving up.
        backoff: Wait after 429s and failed connections (1 s doubling to 30 s, or the
            server's ``retry-after``); back to its base once the server answers normally.
        default_deadline_s: Deadline applied when `resolve` gets no `timeout_s` (None: wait
            as long as the server keeps answering).
        protocol: The field and header names of the poll exchange.
    """

    poll_timeout_s: float = 45.0
    max_bad_request_retries: int = 3
    backoff: Backoff = Backoff(base_s=1.0, max_s=30.0)
    default_deadline_s: float | None = None
    protocol: FutureProtocol = DEFAULT_PROTOCOL


class SessionFuturesConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Tunables of the retrieve_futures poll loop.

    Attributes:
        poll_timeout_s: HTTP timeout of a long poll (the server holds it open while samples
            wait).
        ack_timeout_s: HTTP timeout of an ack-only poll (``timeout: 0``, answered at once).
        max_bad_request_retries: 400s in a row polled again before the poll loop fails.
        backoff: Wait after a retryable failure (or the server's ``retry-after``); back to its
            base once a poll succeeds.
    """

    poll_timeout_s: float = 45.0
    ack_timeout_s: float = 5.0
    max_bad_request_retries: int = 3
    backoff: Backoff = Backoff(base_s=1.0, max_s=10.0)


class SessionFuturesError(APIError):
    """The retrieve_futures poll loop of a sampling session failed while a sample waited.

    The sample may still finish on the server; its result was not fetched.

    Attributes:
        sampling_session_id: The sampling session whose poll failed.
        cloned_sampler_id: Its clone (0 for the client that created the session).
        request_id: The sample this error fails.
        status: The HTTP status of the failed poll, or None when no response arrived.
    """

    def __init__(
        self,
        *,
        sampling_session_id: str,
        cloned_sampler_id: int,
        request_id: str,
        cause: str,
        status: int | None = None,
    ) -> None:
        super().__init__(
            f"retrieve_futures polling failed for sampling session {sampling_session_id} "
            f"(clone {cloned_sampler_id}): {cause}; sample {request_id} was not fetched "
            "(it may still finish on the server)",
            method="POST",
            url_path="/api/v1/retrieve_futures",
        )
        self.sampling_session_id = sampling_session_id
        self.cloned_sampler_id = cloned_sampler_id
        self.request_id = request_id
        self.status = status


class PromiseExpiredError(GoneError):
    """The server no longer holds the result of this request.

    Raised for a 410 while polling, and for a 404 that follows a poll abandoned without an
    answer: the server delivered the result to a dropped connection and evicted it, or it
    restarted and forgot the request. The result is lost, not failed. A sample may simply be
    sent again (the sampling retry handler does). A training request may not: it may already
    have been applied, and after a restart the run's in-memory model is gone too (the next
    call gets 404), so the message says to resume from the last saved state or start a new
    client. Carries the request id and type; `status` is the HTTP status that revealed it.
    """

    def __init__(
        self,
        *,
        request_id: str,
        request_type: str | None,
        body: object = None,
        status: int = 410,
    ) -> None:
        what = "promise expired" if status == 410 else "result lost after an abandoned poll"
        super().__init__(
            f"{what} for {request_type or 'request'} {request_id}; "
            + _recovery_advice(request_type, status),
            status=status,
            body=body,
            request_id=request_id,
        )
        self.request_type = request_type


_RESUME = (
    "resume from your last saved state with "
    "ServiceClient.create_training_client_from_state_with_optimizer(path) "
    "(or create_training_client_from_state), or create a new training client"
)


def _recovery_advice(request_type: str | None, status: int) -> str:
    """What to do about a lost result, by the kind of request and how it was lost."""
    if request_type == "Sample":
        restarted = "" if status == 410 else "the server may have restarted: "
        return (
            f"{restarted}sample again, and if the sampler is gone (404) create a new "
            "sampling client"
        )
    if status == 410:
        return (
            "it was probably applied, so do not re-submit it; if the run itself is gone "
            f"(404), {_RESUME}"
        )
    return (
        "do not re-submit it (it may have been applied); if the server restarted, the run's "
        f"in-memory state is gone (the next call gets 404): {_RESUME}"
    )


class PendingInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One in-flight future, as shown by the "what is pending" dump.

    Attributes:
        request_id: The future's request id.
        request_type: The kind of request (``ForwardBackward``, ``Sample``...).
        age_s: Seconds since polling started.
        iterations: Poll requests sent so far.
        last_status: HTTP status of the last poll answer (None: none arrived yet, or the last
            attempt got no response).
        last_queue_state: The last queue state the server reported, if any.
        seconds_since_last_response: Seconds since the server last answered, if ever.
    """

    request_id: str
    request_type: str
    age_s: float
    iterations: int
    last_status: int | None
    last_queue_state: QueueState | None
    seconds_since_last_response: float | None


class PollState(msgspec.Struct, gc=False):
    """What one future's poll loop carries between iterations.

    Untracked by the garbage collector (``gc=False``): it holds numbers and flags only, so it
    can be in no reference cycle, and thousands are alive during a fan-out.
    """

    allow_metadata_only: bool = True
    streak: int = 0  # 429s / lost connections in a row answered with the backoff
    bad_requests: int = 0
    reserved_bytes: int = 0
    abandoned_poll: bool = False  # a poll went unanswered (timeout or dropped connection)
    answered: bool = False  # the server handed over the result or the failure


class PendingEntry(msgspec.Struct, gc=False):
    """Mutable polling state of one future; the poll loop updates it in place.

    Untracked by the garbage collector (``gc=False``): it holds strings, numbers and a queue
    state only, so it can be in no reference cycle.
    """

    request_id: str
    request_type: str
    started_at: float
    iterations: int = 0
    last_status: int | None = None
    last_queue_state: QueueState | None = None
    last_response_at: float | None = None

    def answered(self, status: int | None, now: float) -> None:
        """Note a poll outcome: an HTTP status, or None when no response arrived."""
        self.last_status = status
        if status is not None:
            self.last_response_at = now

    def since_last_response(self, now: float) -> float | None:
        """Seconds since the server last answered, or None if it never did."""
        return None if self.last_response_at is None else now - self.last_response_at

    def timed_out(self, deadline: float, now: float) -> FutureTimeoutError:
        """The error of this future's `deadline` passing, with what is known about it."""
        return FutureTimeoutError(
            request_id=self.request_id,
            request_type=self.request_type,
            timeout_s=deadline,
            last_queue_state=self.last_queue_state.value if self.last_queue_state else None,
            seconds_since_last_response=self.since_last_response(now),
        )


class FutureRegistry:
    """The futures currently being polled, for debugging hangs."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[int, PendingEntry] = {}
        self._next_key = 0

    def open(self, request_id: str, request_type: str) -> tuple[int, PendingEntry]:
        """Register a future; returns a key for `close` and the entry to update."""
        key = self._next_key
        self._next_key += 1
        entry = PendingEntry(request_id, request_type, self._clock.monotonic())
        self._entries[key] = entry
        return key, entry

    def close(self, key: int) -> None:
        """Forget a future (finished, failed or cancelled)."""
        self._entries.pop(key, None)

    def snapshot(self) -> list[PendingInfo]:
        """Return every in-flight future, oldest first."""
        now = self._clock.monotonic()
        entries = sorted(self._entries.values(), key=lambda e: e.started_at)
        return [
            PendingInfo(
                request_id=e.request_id,
                request_type=e.request_type,
                age_s=now - e.started_at,
                iterations=e.iterations,
                last_status=e.last_status,
                last_queue_state=e.last_queue_state,
                seconds_since_last_response=e.since_last_response(now),
            )
            for e in entries
        ]


def poll_headers(
    entry: PendingEntry,
    roundtrip_s: float | None,
    *,
    protobuf: bool,
    protocol: FutureProtocol = DEFAULT_PROTOCOL,
) -> dict[str, str]:
    """Headers of the next poll of `entry` (wire: docs/conformance.md); call before counting."""
    headers = {
        protocol.iteration_header: str(entry.iterations),
        protocol.request_type_header: entry.request_type,
    }
    if entry.iterations == 0 and roundtrip_s is not None:
        headers[protocol.roundtrip_header] = str(roundtrip_s)
    if protobuf:
        headers["Accept"] = PROTOBUF_MEDIA_TYPE
    return headers


class PollReporter:
    """Tells observers about queue states and telemetry about poll outcomes."""

    def __init__(
        self,
        telemetry: TelemetrySink | None,
        logger: FilteringBoundLogger,
        protocol: FutureProtocol = DEFAULT_PROTOCOL,
    ) -> None:
        self._telemetry = telemetry
        self._log = logger
        self._protocol = protocol

    def queue_state(
        self, payload: Mapping[str, Any], entry: PendingEntry, observer: QueueStateObserver | None
    ) -> None:
        """Report the queue state a try_again (or 408) body carries, if it carries one."""
        protocol = self._protocol
        raw_state = payload.get(protocol.queue_state_field)
        reason = payload.get(protocol.queue_state_reason_field)
        if not raw_state and reason is None:
            return  # nothing worth telling the observer
        state = QueueState.parse(raw_state)
        self.notify(observer, entry, state, reason if isinstance(reason, str) else None)

    def notify(
        self,
        observer: QueueStateObserver | None,
        entry: PendingEntry,
        state: QueueState,
        reason: str | None,
    ) -> None:
        """Record `state` on the entry and tell the observer (whose errors are logged)."""
        entry.last_queue_state = state
        note_queue_state(entry.request_id, state, reason)
        if observer is None:
            return
        try:
            observer.on_queue_state_change(state, reason)
        except Exception:  # noqa: BLE001 - a broken observer must not break polling
            self._log.exception("futures.observer_failed", request_id=entry.request_id)

    def emit(self, name: str, severity: Severity, entry: PendingEntry, **data: Any) -> None:
        """Send an ``APIFuture.result_async.<name>`` event naming the request."""
        if self._telemetry is None:
            return
        data.update(
            request_id=entry.request_id,
            request_type=entry.request_type,
            iteration=entry.iterations - 1,
        )
        self._telemetry.emit(
            TelemetryEvent(
                event="GENERIC_EVENT",
                severity=severity,
                event_name=_EVENT_PREFIX + name,
                event_data=data,
            )
        )
