"""`PollingFutureResolver`: the retrieve_future state machine.

One `resolve` call long-polls ``POST /api/v1/retrieve_future`` until the server hands over a
result. The loop never sleeps between ``try_again`` answers (the server holds each poll open),
re-polls at once after 408, 5xx and a poll that merely timed out, and backs off only after
429s and failed connections: the server's ``retry-after`` when it sent one the backoff honours,
else the config's `Backoff` (1 s doubling to 30 s) for the current streak, which starts over
as soon as the server answers normally again. A poll timeout is *not* a connection failure:
the official SDK conflated the two and backed off after every long-poll that ran out, which
turned a step of about 24 s of GPU work into about 155 s (tinker PR #26).

A sample registered with the server's batch poller (`tinkex.flows.batch_polling`) first waits
for its completion there, then fetches its result here in one poll. A deadline bounds the whole
wait (`tinkex.flows.deadline_timers`: one task fires them all). A sample abandoned before its
result arrived (cancelled, or past its deadline) is cancelled on the server (`SampleCancels`).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from tinkex.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    DecodeError,
    FutureTimeoutError,
    RequestErrorCategory,
    RequestFailedError,
    TinkexError,
)
from tinkex.flows.billing import BillingPause
from tinkex.flows.deadline_timers import DeadlineTimers
from tinkex.flows.features import BillingPauseConfig
from tinkex.flows.logging import configure_logging
from tinkex.flows.polling_state import (
    PROTOBUF_MEDIA_TYPE,
    FutureRegistry,
    FuturesConfig,
    PendingEntry,
    PendingInfo,
    PollReporter,
    PollState,
    PromiseExpiredError,
    poll_headers,
)
from tinkex.flows.retrying import requested_delay_s
from tinkex.ports.futures import QueueState
from tinkex.ports.telemetry import Severity
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    from collections.abc import Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.flows.batch_polling import Claim, SessionFutures
    from tinkex.flows.bytes_semaphore import BytesSemaphore
    from tinkex.flows.sample_cancel import SampleCancels
    from tinkex.ports.clock import Clock
    from tinkex.ports.codec import Codec
    from tinkex.ports.endpoint import EndpointSpec, Invoker
    from tinkex.ports.futures import QueueStateObserver
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["PROTOBUF_MEDIA_TYPE", "PollingFutureResolver", "PromiseExpiredError"]

T = TypeVar("T")

SAMPLE_REQUEST_TYPE = "Sample"
"""The ``X-Tinker-Request-Type`` of the futures the batch poller and server-side cancellation
apply to: samples only."""


class PollingFutureResolver:
    """Resolve server futures by polling retrieve_future (implements `FutureResolver`).

    The retrieve endpoint is always called with this resolver's `poll_timeout_s`, zero
    HTTP-level retries and no outer retry: the poll loop is the retry policy. `pending()`
    lists the futures being polled right now, for the "what is pending" debug dump.
    """

    def __init__(
        self,
        invoker: Invoker,
        retrieve_spec: EndpointSpec,
        *,
        json_codec: Codec,
        clock: Clock,
        protobuf_codec: Codec | None = None,
        on_result: Callable[[Any], None] | None = None,
        config: FuturesConfig | None = None,
        telemetry: TelemetrySink | None = None,
        logger: FilteringBoundLogger | None = None,
        inflight_bytes: BytesSemaphore | None = None,
        billing: BillingPause | None = None,
        protobuf_result_types: Collection[type[Any]] = (),
        rng: random.Random | None = None,
        session_futures: SessionFutures | None = None,
        cancels: SampleCancels | None = None,
    ) -> None:
        """Create a resolver.

        Args:
            invoker: Runs the retrieve endpoint; non-2xx answers raise tinkex status errors.
            retrieve_spec: The ``futures.retrieve`` endpoint description.
            json_codec: Reads poll answers and JSON results.
            clock: Time source for backoffs, deadlines and the pending dump.
            protobuf_codec: Reads results sent as ``application/x-protobuf`` (None: the
                resolver never asks for them).
            on_result: Called with every decoded result (the stack counts sampled tokens).
            config: Poll-loop tunables.
            telemetry: Receives ``APIFuture.result_async.*`` events.
            logger: Where warnings go.
            inflight_bytes: Budget reserved for results announced by ``complete_metadata``.
            billing: The 402 pause shared by the whole ServiceClient; a private one (default
                settings) when None.
            protobuf_result_types: Result types fetched with ``Accept: application/x-protobuf``.
            rng: Source of the backoff jitter (when the config's backoff has any).
            session_futures: The batch poller samples registered with it wait on before
                their one fetch (None: every future polls on its own).
            cancels: Where abandoned samples are queued for ``cancel_future`` (None: they
                are not cancelled on the server).
        """
        self._config = config or FuturesConfig()
        self._invoker = invoker
        # The loop below is the whole retry policy for polls: no HTTP-level retries, and no
        # outer retry layer (the pipeline's ``retry_outer`` feature) either.
        self._spec = msgspec.structs.replace(
            retrieve_spec,
            timeout_s=self._config.poll_timeout_s,
            max_retries=0,
            features=tuple(f for f in retrieve_spec.features if f != "retry_outer"),
        )
        self._json = json_codec
        self._protobuf = protobuf_codec
        self._on_result = on_result
        self._clock = clock
        self._telemetry = telemetry
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._inflight = inflight_bytes
        self._billing = billing or BillingPause(BillingPauseConfig(), clock=clock, logger=self._log)
        self._rng = rng if rng is not None else random.Random()
        self._protobuf_types = frozenset(protobuf_result_types)
        self._registry = FutureRegistry(clock)
        self._protocol = self._config.protocol
        self._report = PollReporter(telemetry, self._log, self._protocol)
        self._timers = DeadlineTimers(clock)
        self._session_futures = session_futures
        self._cancels = cancels

    def pending(self) -> list[PendingInfo]:
        """Every future being polled right now, oldest first."""
        return self._registry.snapshot()

    async def resolve(
        self,
        request_id: str,
        /,
        *,
        result_type: type[T],
        request_type: str,
        timeout_s: float | None = None,
        observer: QueueStateObserver | None = None,
        created_roundtrip_s: float | None = None,
        accept_protobuf: bool | None = None,
    ) -> T:
        """Poll until the future finishes and return its decoded result.

        Args:
            request_id: The future's id from the submission response.
            result_type: What the result decodes into.
            request_type: ``X-Tinker-Request-Type`` (``ForwardBackward``, ``Sample``...).
            timeout_s: Deadline for the whole wait (defaults to the config's).
            observer: Told about queue states (and ``active`` when the future finishes).
            created_roundtrip_s: Seconds from submission start to future creation, sent on the
                first poll.
            accept_protobuf: Ask for protobuf; by default when `result_type` is one of the
                resolver's protobuf result types.

        Returns:
            The decoded result.

        Raises:
            RequestFailedError: The server finished the request as failed.
            PromiseExpiredError: 410 (or 404 after an unanswered poll); re-submit the request.
            FutureTimeoutError: The deadline passed.
            APIStatusError: A status the loop cannot ride out (or a 400/402 budget ran out).
        """
        deadline = timeout_s if timeout_s is not None else self._config.default_deadline_s
        protobuf = (
            accept_protobuf if accept_protobuf is not None else result_type in self._protobuf_types
        )
        key, entry = self._registry.open(request_id, request_type)
        state = PollState()
        claim = (
            self._session_futures.claim(request_id)
            if self._session_futures is not None and request_type == SAMPLE_REQUEST_TYPE
            else None
        )
        timer = None
        if deadline is not None and deadline < math.inf:
            timer = self._timers.arm(deadline)
        try:
            if claim is not None:
                await self._await_completion(claim, state)
            # The poll loop runs in this frame (not a helper coroutine): every wake-up of a
            # poll passes through each frame above the transport.
            while True:
                headers = poll_headers(
                    entry, created_roundtrip_s, protobuf=protobuf, protocol=self._protocol
                )
                body = {
                    "request_id": entry.request_id,
                    "allow_metadata_only": state.allow_metadata_only,
                }
                entry.iterations += 1
                try:
                    response = await self._invoker.invoke(
                        self._spec, body, response_type=HttpResponse, headers=headers
                    )
                except (APIStatusError, APITimeoutError, APIConnectionError) as exc:
                    await self._on_failed_poll(exc, entry, state, observer)
                    continue
                entry.answered(response.status, self._clock.monotonic())
                state.streak = 0
                if await self._is_result(response, entry, state, observer):
                    state.answered = True
                    return self._finish(response, entry, observer, result_type)
        except asyncio.CancelledError:
            if not state.answered and request_type == SAMPLE_REQUEST_TYPE:
                self._abandon(request_id)
            if timer is not None and deadline is not None and self._timers.expired(timer):
                raise self._timed_out(entry, deadline) from None
            raise
        finally:
            if timer is not None:
                self._timers.disarm(timer)
            if claim is not None:
                claim.release()
            if state.reserved_bytes and self._inflight is not None:
                self._inflight.release(state.reserved_bytes)
            self._registry.close(key)

    async def _await_completion(self, claim: Claim, state: PollState) -> None:
        """Wait for the batch poller to report the sample finished; prepare the one fetch."""
        outcome = await claim.waiter
        if isinstance(outcome, TinkexError):
            raise outcome  # the session's poll loop failed, or the client closed
        size = getattr(outcome, "response_payload_uncompressed_size", None)
        if size:
            # Its size is known: fetch the payload itself at once, with room held for it.
            await self._reserve(size, state)

    def _abandon(self, request_id: str) -> None:
        if self._cancels is not None:
            self._cancels.enqueue(request_id)

    def _timed_out(self, entry: PendingEntry, deadline: float) -> FutureTimeoutError:
        self._report.emit("timeout", Severity.ERROR, entry, timeout=deadline)
        return entry.timed_out(deadline, self._clock.monotonic())

    async def _on_failed_poll(
        self,
        exc: APIStatusError | APITimeoutError | APIConnectionError,
        entry: PendingEntry,
        state: PollState,
        observer: QueueStateObserver | None,
    ) -> None:
        """Ride out a poll that got an error status or no answer (the loop polls again)."""
        if isinstance(exc, APIStatusError):
            entry.answered(exc.status, self._clock.monotonic())
            await self._on_status_error(exc, entry, state, observer)
        elif isinstance(exc, APITimeoutError):
            # The long-poll simply ran out: the server is alive, re-poll at once.
            entry.answered(None, self._clock.monotonic())
            state.streak = 0
            state.abandoned_poll = True
            self._report.emit("poll_timeout", Severity.DEBUG, entry)
        else:
            entry.answered(None, self._clock.monotonic())
            state.abandoned_poll = True
            self._report.emit("connection_error", Severity.WARNING, entry, error=str(exc))
            await self._back_off(state, None)

    async def _is_result(
        self,
        response: HttpResponse,
        entry: PendingEntry,
        state: PollState,
        observer: QueueStateObserver | None,
    ) -> bool:
        """Classify a 2xx answer: True when it carries the result, False to poll again."""
        if PROTOBUF_MEDIA_TYPE in response.headers.get("content-type", ""):
            return True
        try:
            payload = self._json.decode(response.body, object)
        except DecodeError as exc:
            raise self._in_context(exc, entry) from exc
        if not isinstance(payload, Mapping):
            return True
        fields = self._protocol
        if payload.get(fields.try_again_field) == fields.try_again_value:
            self._report.queue_state(payload, entry, observer)
            return False
        if payload.get(fields.metadata_field) == fields.metadata_value:
            await self._reserve(payload.get(fields.metadata_size_field), state)
            return False
        if fields.error_field in payload:
            error = payload[fields.error_field]
            state.answered = True
            self._report.notify(observer, entry, QueueState.ACTIVE, None)
            category = RequestErrorCategory.parse(payload.get(fields.category_field))
            self._report.emit(
                "application_error",
                Severity.WARNING if category == RequestErrorCategory.USER else Severity.ERROR,
                entry,
                error=str(error),
                category=category.value,
            )
            raise RequestFailedError(
                f"{entry.request_type} {entry.request_id} failed: {error}",
                request_id=entry.request_id,
                category=category,
                request_type=entry.request_type,
            )
        return True

    def _finish(
        self,
        response: HttpResponse,
        entry: PendingEntry,
        observer: QueueStateObserver | None,
        result_type: type[T],
    ) -> T:
        self._report.notify(observer, entry, QueueState.ACTIVE, None)
        try:
            result = self._decode(response, result_type)
        except Exception as exc:
            self._report.emit("validation_error", Severity.ERROR, entry, error=str(exc))
            if isinstance(exc, DecodeError):
                raise self._in_context(exc, entry) from exc
            raise
        if self._on_result is not None:
            self._on_result(result)
        return result

    def _decode(self, response: HttpResponse, result_type: type[T]) -> T:
        # The result's own content type names its codec: a server may answer JSON even
        # when protobuf was asked for.
        if PROTOBUF_MEDIA_TYPE not in response.content_type:
            return self._json.decode(response.body, result_type)
        if self._protobuf is None:
            raise DecodeError(f"no protobuf codec for a {response.content_type!r} result")
        return self._protobuf.decode(response.body, result_type)

    def _in_context(self, error: DecodeError, entry: PendingEntry) -> DecodeError:
        """The decode error again, naming the request whose result could not be read."""
        return DecodeError(
            f"result of {entry.request_type} {entry.request_id}: {error}",
            path=error.path,
            method=self._spec.method,
            url_path=self._spec.path,
        )

    async def _reserve(self, size: object, state: PollState) -> None:
        # The server announced a result of `size` bytes; fetch it for real next time, and hold
        # room for it so many such results do not land in memory at once.
        state.allow_metadata_only = False
        if self._inflight is not None and state.reserved_bytes == 0 and isinstance(size, int):
            await self._inflight.acquire(size)
            state.reserved_bytes = size

    async def _on_status_error(
        self,
        exc: APIStatusError,
        entry: PendingEntry,
        state: PollState,
        observer: QueueStateObserver | None,
    ) -> None:
        status = exc.status
        if self._billing.should_pause(status, endpoint=self._spec.name):
            state.streak = 0
            await self._clock.sleep(self._billing.config.sleep_s)
            return
        if status == 429:
            self._report.emit(
                "api_status_error",
                Severity.WARNING,
                entry,
                status=status,
                kind="retry_with_backoff",
            )
            await self._back_off(state, requested_delay_s(exc))
            return
        state.streak = 0
        if status == 408:
            state.bad_requests = 0
            if isinstance(exc.body, Mapping):
                self._report.queue_state(exc.body, entry, observer)
            return
        if status >= 500:
            self._report.emit(
                "api_status_error", Severity.WARNING, entry, status=status, kind="retry"
            )
            return
        if status == 400 and state.bad_requests < self._config.max_bad_request_retries:
            state.bad_requests += 1
            self._report.emit(
                "api_status_error", Severity.ERROR, entry, status=status, kind="retry_if_budget"
            )
            return
        self._report.emit("api_status_error", Severity.ERROR, entry, status=status, kind="fatal")
        if status == 410 or (status == 404 and state.abandoned_poll):
            # 404 after an unanswered poll: the server sent the result to the dropped
            # connection and evicted it, so the result is lost rather than never existing.
            raise PromiseExpiredError(
                request_id=entry.request_id,
                request_type=entry.request_type,
                body=exc.body,
                status=status,
            ) from exc
        raise exc

    async def _back_off(self, state: PollState, requested_s: float | None) -> None:
        wait = self._config.backoff.wait(state.streak, self._rng, requested_s=requested_s)
        if not wait.requested:
            state.streak += 1
        await self._clock.sleep(wait.delay_s)
