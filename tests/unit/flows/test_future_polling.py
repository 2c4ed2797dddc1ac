"""The retrieve_future poll loop, in virtual time."""

from __future__ import annotations

import asyncio
import pickle
from typing import TYPE_CHECKING, Any

import pytest
from flows_fakes import (
    JSON_CODEC,
    PROTOBUF_CODEC,
    RETRIEVE_SPEC,
    ScriptedInvoker,
    Step,
    connection_error,
    ok_json,
    ok_proto,
    poll_timeout,
    status,
    try_again,
)

from tinkex.adapters.clock import FakeClock
from tinkex.errors import (
    BadRequestError,
    BillingError,
    FutureTimeoutError,
    GoneError,
    NotFoundError,
    RequestErrorCategory,
    RequestFailedError,
)
from tinkex.flows.billing import BillingPause
from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.features import BillingPauseConfig
from tinkex.flows.logging import configure_logging
from tinkex.flows.polling import PollingFutureResolver, PromiseExpiredError
from tinkex.flows.polling_state import FuturesConfig
from tinkex.flows.queue_state import QueueStateRecorder
from tinkex.ports.futures import QueueState
from tinkex.ports.telemetry import Severity
from tinkex.testing import RecordingTelemetrySink

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tinkex.ports.transport import HttpResponse


class ProtoResult:
    """A stand-in result type fetched as protobuf."""


def make_resolver(
    script: Sequence[Step],
    clock: FakeClock,
    *,
    config: FuturesConfig | None = None,
    inflight: BytesSemaphore | None = None,
    telemetry: RecordingTelemetrySink | None = None,
    billing: BillingPause | None = None,
) -> tuple[PollingFutureResolver, ScriptedInvoker]:
    invoker = ScriptedInvoker(script)
    resolver = PollingFutureResolver(
        invoker,
        RETRIEVE_SPEC,
        json_codec=JSON_CODEC,
        protobuf_codec=PROTOBUF_CODEC,
        clock=clock,
        config=config,
        inflight_bytes=inflight,
        telemetry=telemetry,
        protobuf_result_types=(ProtoResult,),
        billing=billing,
    )
    return resolver, invoker


async def resolve(resolver: PollingFutureResolver, **kwargs: Any) -> Any:
    return await resolver.resolve(
        "req-1", result_type=dict, request_type="ForwardBackward", **kwargs
    )


async def test_poll_timeout_repolls_immediately_without_backoff() -> None:
    """A long-poll that runs out is re-sent at once, not treated as a connection failure."""
    clock = FakeClock()

    async def long_poll_times_out() -> HttpResponse:
        await clock.sleep(45)
        raise poll_timeout()

    resolver, invoker = make_resolver([long_poll_times_out, ok_json({"loss": 1.5})], clock)
    assert await resolve(resolver) == {"loss": 1.5}
    assert clock.sleeps == [45]  # only the server's long-poll; the client never slept
    assert len(invoker.calls) == 2
    assert invoker.calls[0].endpoint.timeout_s == 45.0
    assert invoker.calls[0].endpoint.max_retries == 0
    assert invoker.calls[0].endpoint.features == ("telemetry",)


async def test_try_again_replies_reach_observer_without_sleeping() -> None:
    """Ten try_again answers are re-polled back to back and their queue states observed."""
    clock = FakeClock()
    states = ["paused_capacity", "paused_rate_limit"] * 5
    recorder = QueueStateRecorder(clock)
    resolver, invoker = make_resolver(
        [*(try_again(s) for s in states), ok_json({"ok": True})], clock
    )
    assert await resolve(resolver, observer=recorder) == {"ok": True}
    assert clock.sleeps == []
    assert len(invoker.calls) == 11
    assert recorder.states == [QueueState(s) for s in states] + [QueueState.ACTIVE]


async def test_try_again_without_queue_state_is_not_reported() -> None:
    """A bare try_again carries nothing worth telling the observer."""
    clock = FakeClock()
    recorder = QueueStateRecorder(clock)
    resolver, _ = make_resolver([try_again(), ok_json({})], clock)
    await resolve(resolver, observer=recorder)
    assert recorder.states == [QueueState.ACTIVE]


async def test_rate_limit_backs_off_exponentially_then_succeeds() -> None:
    """429s sleep 1, 2, 4 s before the next poll."""
    clock = FakeClock()
    resolver, _ = make_resolver([status(429), status(429), status(429), ok_json({})], clock)
    await resolve(resolver)
    assert clock.sleeps == [1, 2, 4]


async def test_backoff_resets_after_any_other_outcome_and_is_capped() -> None:
    """The exponent counts consecutive 429/connection failures only, up to the 30 s cap."""
    clock = FakeClock()
    script: list[Step] = [connection_error(), status(429), status(503), connection_error()]
    script += [status(429)] * 7 + [ok_json({})]
    resolver, _ = make_resolver(script, clock)
    await resolve(resolver)
    assert clock.sleeps == [1, 2, 1, 2, 4, 8, 16, 30, 30, 30]


async def test_server_errors_and_408_repoll_immediately() -> None:
    """5xx and 408 are re-polled without sleeping."""
    clock = FakeClock()
    resolver, invoker = make_resolver([status(500), status(504), status(408), ok_json({})], clock)
    await resolve(resolver)
    assert clock.sleeps == []
    assert len(invoker.calls) == 4


async def test_bad_request_budget_allows_three_repolls_then_raises() -> None:
    """The fourth 400 in a row is raised."""
    clock = FakeClock()
    resolver, invoker = make_resolver([status(400)] * 4, clock)
    with pytest.raises(BadRequestError):
        await resolve(resolver)
    assert len(invoker.calls) == 4
    assert clock.sleeps == []


async def test_408_resets_bad_request_budget_and_reports_queue_state() -> None:
    """A 408 is a healthy round trip: it refills the 400 budget and may carry a queue state."""
    clock = FakeClock()
    recorder = QueueStateRecorder(clock)
    body = {"type": "try_again", "queue_state": "paused_rate_limit", "queue_state_reason": "busy"}
    script: list[Step] = [status(400), status(400), status(400), status(408, body)]
    script += [status(400), status(400), status(400)]
    resolver, _ = make_resolver([*script, ok_json({"done": 1})], clock)
    assert await resolve(resolver, observer=recorder) == {"done": 1}
    assert recorder.history[0].state == QueueState.PAUSED_RATE_LIMIT
    assert recorder.history[0].reason == "busy"


async def test_410_raises_promise_expired() -> None:
    """A gone promise raises the re-submittable PromiseExpiredError."""
    clock = FakeClock()
    resolver, _ = make_resolver([status(410, {"detail": "gone"})], clock)
    with pytest.raises(PromiseExpiredError) as info:
        await resolve(resolver)
    error = info.value
    assert isinstance(error, GoneError)
    assert (error.request_id, error.request_type, error.status) == ("req-1", "ForwardBackward", 410)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.request_id, copy.request_type, str(copy)) == (
        "req-1",
        "ForwardBackward",
        str(error),
    )


async def test_404_after_an_abandoned_poll_means_the_result_was_lost() -> None:
    """A poll dropped halfway then a 404: the result was evicted, so re-submit (not fatal)."""
    clock = FakeClock()
    resolver, _ = make_resolver([connection_error(), status(404)], clock)
    with pytest.raises(PromiseExpiredError) as info:
        await resolve(resolver)
    assert info.value.status == 404
    assert "lost" in str(info.value)


async def test_unexpected_status_raises_its_status_error() -> None:
    """Statuses the loop cannot ride out (401/403/404...) are raised as they came."""
    clock = FakeClock()
    resolver, invoker = make_resolver([status(404)], clock)
    with pytest.raises(NotFoundError):
        await resolve(resolver)
    assert len(invoker.calls) == 1


async def test_error_payload_raises_request_failed_with_category() -> None:
    """A JSON body with "error" finishes the future as failed, with the server's category."""
    clock = FakeClock()
    recorder = QueueStateRecorder(clock)
    resolver, _ = make_resolver([ok_json({"error": "bad tokens", "category": "user"})], clock)
    with pytest.raises(RequestFailedError) as info:
        await resolve(resolver, observer=recorder)
    assert info.value.category == RequestErrorCategory.USER
    assert info.value.request_id == "req-1"
    assert info.value.request_type == "ForwardBackward"
    assert "bad tokens" in str(info.value)
    assert recorder.states == [QueueState.ACTIVE]


async def test_unknown_error_category_is_unknown() -> None:
    """An unrecognised category maps to UNKNOWN rather than failing to parse."""
    clock = FakeClock()
    resolver, _ = make_resolver([ok_json({"error": "x", "category": "Martian"})], clock)
    with pytest.raises(RequestFailedError) as info:
        await resolve(resolver)
    assert info.value.category == RequestErrorCategory.UNKNOWN


async def test_complete_metadata_reserves_bytes_until_result() -> None:
    """complete_metadata flips allow_metadata_only and holds the announced bytes until done."""
    clock = FakeClock()
    inflight = BytesSemaphore(1000)
    seen: list[int] = []

    async def full_result() -> HttpResponse:
        seen.append(inflight.available)
        return ok_proto(b"\x08\x01")

    meta = ok_json({"status": "complete_metadata", "response_payload_size": 600})
    resolver, invoker = make_resolver([meta, full_result], clock, inflight=inflight)
    result: object = await resolver.resolve("req-1", result_type=ProtoResult, request_type="Sample")
    assert result == b"\x08\x01"
    assert seen == [400]
    assert inflight.available == 1000
    assert [c.body["allow_metadata_only"] for c in invoker.calls] == [True, False]


async def test_headers_name_iteration_type_and_roundtrip() -> None:
    """Each poll names its iteration and type; only the first carries the round-trip time."""
    clock = FakeClock()
    resolver, invoker = make_resolver([try_again(), ok_proto(b"")], clock)
    await resolver.resolve(
        "req-9", result_type=ProtoResult, request_type="Sample", created_roundtrip_s=0.25
    )
    first, second = (c.headers for c in invoker.calls)
    assert first == {
        "X-Tinker-Request-Iteration": "0",
        "X-Tinker-Request-Type": "Sample",
        "X-Tinker-Create-Promise-Roundtrip-Time": "0.25",
        "Accept": "application/x-protobuf",
    }
    assert second["X-Tinker-Request-Iteration"] == "1"
    assert "X-Tinker-Create-Promise-Roundtrip-Time" not in second
    assert invoker.calls[0].body == {"request_id": "req-9", "allow_metadata_only": True}


async def test_json_result_types_do_not_ask_for_protobuf() -> None:
    """Only protobuf result types send the protobuf Accept header."""
    clock = FakeClock()
    resolver, invoker = make_resolver([ok_json({})], clock)
    await resolve(resolver)
    assert "Accept" not in invoker.calls[0].headers


async def test_deadline_error_names_request_queue_state_and_silence() -> None:
    """On expiry the error names the request, its type, the last queue state and the silence."""
    clock = FakeClock()

    async def hang() -> HttpResponse:
        await clock.sleep(10_000)
        raise AssertionError("not reached")

    resolver, _ = make_resolver([try_again("paused_capacity"), hang], clock)
    with pytest.raises(FutureTimeoutError) as info:
        await resolve(resolver, timeout_s=60)
    error = info.value
    assert (error.request_id, error.request_type) == ("req-1", "ForwardBackward")
    assert error.last_queue_state == "paused_capacity"
    assert error.seconds_since_last_response == pytest.approx(60.0)
    for fragment in ("req-1", "ForwardBackward", "paused_capacity", "60.0s ago"):
        assert fragment in str(error)
    assert resolver.pending() == []


async def test_config_default_deadline_applies() -> None:
    """Without timeout_s the configured default deadline is used."""
    clock = FakeClock()
    resolver, _ = make_resolver(
        [status(429)] * 20, clock, config=FuturesConfig(default_deadline_s=10)
    )
    with pytest.raises(FutureTimeoutError) as info:
        await resolve(resolver)
    assert info.value.timeout_s == 10
    assert info.value.last_queue_state is None


async def test_cancellation_stops_polling_and_releases_bytes() -> None:
    """Cancelling a resolve stops at once and gives back reserved bytes."""
    clock = FakeClock()
    inflight = BytesSemaphore(1000)
    hung = asyncio.Event()

    async def hang() -> HttpResponse:
        hung.set()
        await asyncio.Event().wait()
        raise AssertionError("not reached")

    meta = ok_json({"status": "complete_metadata", "response_payload_size": 600})
    for timeout_s in (None, 30.0):
        resolver, invoker = make_resolver([meta, hang], clock, inflight=inflight)
        hung.clear()
        task = asyncio.create_task(resolve(resolver, timeout_s=timeout_s))
        await hung.wait()
        assert inflight.available == 400
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert inflight.available == 1000
        assert len(invoker.calls) == 2
        assert resolver.pending() == []


async def test_pending_lists_in_flight_futures() -> None:
    """The pending dump shows each in-flight future's type, age, status and queue state."""
    clock = FakeClock(auto_advance=False)
    hung = asyncio.Event()

    async def hang() -> HttpResponse:
        hung.set()
        await asyncio.Event().wait()
        raise AssertionError("not reached")

    resolver, _ = make_resolver([try_again("paused_capacity"), hang], clock)
    task = asyncio.create_task(resolve(resolver))
    await hung.wait()
    clock.advance(12)
    (info,) = resolver.pending()
    assert (info.request_id, info.request_type) == ("req-1", "ForwardBackward")
    assert info.age_s == pytest.approx(12)
    assert info.iterations == 2
    assert info.last_status == 200
    assert info.last_queue_state == QueueState.PAUSED_CAPACITY
    assert info.seconds_since_last_response == pytest.approx(12)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_billing_402_is_waited_out_then_raised_after_the_window() -> None:
    """402s sleep 5 s each inside the billing window and are raised after it."""
    clock = FakeClock()
    config = BillingPauseConfig(max_pause_s=10)
    pause = BillingPause(config, clock=clock, logger=configure_logging())
    resolver, _ = make_resolver([status(402)] * 2 + [ok_json({})], clock, billing=pause)
    await resolve(resolver)
    assert clock.sleeps == [5, 5]
    clock2 = FakeClock()
    pause = BillingPause(config, clock=clock2, logger=configure_logging())
    resolver, invoker = make_resolver([status(402)] * 10, clock2, billing=pause)
    with pytest.raises(BillingError):
        await resolve(resolver)
    assert clock2.sleeps == [5, 5, 5]
    assert len(invoker.calls) == 4


async def test_broken_observer_does_not_break_polling() -> None:
    """An observer that raises is logged and ignored."""

    class Broken:
        def on_queue_state_change(self, queue_state: QueueState, reason: str | None, /) -> None:
            raise RuntimeError("observer bug")

    clock = FakeClock()
    resolver, _ = make_resolver([try_again("paused_capacity"), ok_json({"x": 1})], clock)
    assert await resolve(resolver, observer=Broken()) == {"x": 1}


async def test_poll_outcomes_are_reported_to_telemetry() -> None:
    """429s, failures and deadlines become APIFuture.result_async.* events naming the request."""
    clock = FakeClock()
    sink = RecordingTelemetrySink()

    async def hang() -> HttpResponse:
        await clock.sleep(1000)
        raise AssertionError("not reached")

    resolver, _ = make_resolver([status(429), status(503), hang], clock, telemetry=sink)
    failing = ok_json({"error": "oops", "category": "server"})
    resolver2, _ = make_resolver([failing], clock, telemetry=sink)
    with pytest.raises(FutureTimeoutError):
        await resolve(resolver, timeout_s=5)
    with pytest.raises(RequestFailedError):
        await resolve(resolver2)
    names = [e.event_name for e in sink.events]
    assert names == [
        "APIFuture.result_async.api_status_error",
        "APIFuture.result_async.api_status_error",
        "APIFuture.result_async.timeout",
        "APIFuture.result_async.application_error",
    ]
    assert sink.events[0].event_data["status"] == 429
    assert sink.events[0].event_data["request_id"] == "req-1"
    assert sink.events[3].severity == Severity.ERROR
