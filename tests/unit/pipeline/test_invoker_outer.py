"""The outer retry layer and the billing pause, in virtual time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import structlog
from pipeline_fakes import CREATE_MODEL, Created, make_invoker, ok, scripted, status
from structlog.testing import capture_logs

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.errors import BillingError, InternalServerError
from tinkex.flows.features import BillingPauseConfig, OuterRetryConfig
from tinkex.ports.endpoint import EndpointSpec

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest, HttpResponse

PATH = "/services/tinker-prod/api/v1/create_model"


def spec(max_retries: int, *features: str) -> EndpointSpec:
    return EndpointSpec(
        name="service.create_model",
        method="POST",
        path="/api/v1/create_model",
        max_retries=max_retries,
        features=features,
    )


async def test_outer_retry_reinvokes_with_a_new_idempotency_key() -> None:
    """When the HTTP layer gives up, the outer layer repeats the call under a new key."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(status(500), status(500), ok()))
    clock = FakeClock()
    invoker = make_invoker(transport, clock, outer_retry=OuterRetryConfig())
    result = await invoker.invoke(spec(1, "retry_outer"), {}, response_type=Created)
    assert result.model_id == "m-1"
    keys = [r.header("X-Idempotency-Key") for r in transport.sent]
    assert keys[0] == keys[1]
    assert keys[2] != keys[0]
    assert [r.header("x-stainless-retry-count") for r in transport.sent] == ["0", "1", "0"]
    assert clock.sleeps[-1] == 1.0


async def test_outer_retry_stops_at_the_budget_trimming_the_last_sleep() -> None:
    """Outer sleeps are 1, 2, 4, 8, 16, 30... and add up to exactly the 300 s budget."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(status(503)))
    clock = FakeClock()
    invoker = make_invoker(transport, clock, outer_retry=OuterRetryConfig())
    with pytest.raises(InternalServerError):
        await invoker.invoke(spec(0, "retry_outer"), {}, response_type=Created)
    assert clock.sleeps[:6] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert sum(clock.sleeps) == pytest.approx(300.0)
    assert clock.sleeps[-1] == pytest.approx(29.0)


async def test_endpoints_without_the_feature_skip_the_outer_layer() -> None:
    """Only endpoints listing retry_outer get the outer retries."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(status(503), ok()))
    clock = FakeClock()
    invoker = make_invoker(transport, clock, outer_retry=OuterRetryConfig())
    with pytest.raises(InternalServerError):
        await invoker.invoke(spec(0), {}, response_type=Created)
    assert len(transport.sent) == 1


async def test_non_retryable_errors_are_not_repeated_by_the_outer_layer() -> None:
    """A 400 goes straight through both layers."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(status(400), ok()))
    clock = FakeClock()
    invoker = make_invoker(transport, clock, outer_retry=OuterRetryConfig())
    with pytest.raises(Exception, match="Error code: 400"):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert len(transport.sent) == 1


def billing_until(clock: FakeClock, seconds: float) -> InMemoryTransport:
    """A server answering 402 for `seconds` of virtual time, then 200."""
    start = clock.monotonic()

    def handler(request: HttpRequest) -> HttpResponse:
        if clock.monotonic() - start < seconds:
            return status(402, '{"detail": "billing"}')
        return ok()

    transport = InMemoryTransport()
    transport.route("POST", PATH, handler)
    return transport


async def test_billing_pause_waits_out_402_in_five_second_steps() -> None:
    """402 for 20 virtual seconds then 200: four 5 s pauses, one warning, success."""
    clock = FakeClock()
    transport = billing_until(clock, 20.0)
    invoker = make_invoker(
        transport,
        clock,
        outer_retry=OuterRetryConfig(),
        billing=BillingPauseConfig(),
        logger=structlog.get_logger(),
    )
    with capture_logs() as logs:
        result = await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert result.model_id == "m-1"
    assert clock.sleeps == [5.0, 5.0, 5.0, 5.0]
    assert len(transport.sent) == 5
    assert len({r.header("X-Idempotency-Key") for r in transport.sent}) == 5
    assert [e["event"] for e in logs].count("billing.paused") == 1


async def test_billing_pause_gives_up_after_the_window() -> None:
    """Past max_pause_s the 402 is raised as BillingError."""
    clock = FakeClock()
    transport = billing_until(clock, 1_000.0)
    invoker = make_invoker(
        transport,
        clock,
        outer_retry=None,
        billing=BillingPauseConfig(max_pause_s=10.0),
        logger=structlog.get_logger(),
    )
    with capture_logs() as logs, pytest.raises(BillingError):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert clock.sleeps == [5.0, 5.0, 5.0]
    assert "billing.pause_exceeded" in [e["event"] for e in logs]


async def test_billing_warning_repeats_at_most_once_a_minute() -> None:
    """A 140 s incident warns at 0, 65 and 130 s, not every 5 s."""
    clock = FakeClock()
    transport = billing_until(clock, 140.0)
    invoker = make_invoker(
        transport,
        clock,
        outer_retry=None,
        billing=BillingPauseConfig(),
        logger=structlog.get_logger(),
    )
    with capture_logs() as logs:
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert [e["event"] for e in logs].count("billing.paused") == 3


async def test_a_15_request_429_burst_costs_its_retry_afters_and_nothing_more() -> None:
    """Ten HTTP retries then one outer repetition, every wait the server's 50 ms.

    Fifteen 429s outlast the HTTP layer's ten retries; the outer layer waits the hint of the
    last refusal instead of its own 1 s, and the HTTP layer's backoff streak never grew.
    """
    slow_down = status(429, retry_after_ms="50")
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(*[slow_down] * 15, ok()))
    clock = FakeClock()
    invoker = make_invoker(transport, clock, outer_retry=OuterRetryConfig())
    start = clock.monotonic()
    result = await invoker.invoke(spec(10, "retry_outer"), {}, response_type=Created)
    assert result.model_id == "m-1"
    assert len(transport.sent) == 16
    assert clock.sleeps == [0.05] * 15
    assert clock.monotonic() - start == pytest.approx(0.75)


async def test_a_server_error_after_honoured_hints_waits_the_base_delay() -> None:
    """Hinted 429s leave the backoff at its base: the 503 after them waits 0.5 s at most."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(*[status(429, retry_after="2")] * 6, status(503), ok()))
    clock = FakeClock()
    result = await make_invoker(transport, clock).invoke(spec(10), {}, response_type=Created)
    assert result.model_id == "m-1"
    assert clock.sleeps[:6] == [2.0] * 6
    assert 0.375 < clock.sleeps[6] <= 0.5  # base 0.5 s, up to 25 % jitter removed


async def test_billing_warnings_follow_warn_every_s() -> None:
    """With warn_every_s=20 a 140 s incident warns at 0, 25, 50, 75, 100 and 125 s."""
    clock = FakeClock()
    transport = billing_until(clock, 140.0)
    invoker = make_invoker(
        transport,
        clock,
        outer_retry=None,
        billing=BillingPauseConfig(warn_every_s=20.0),
        logger=structlog.get_logger(),
    )
    with capture_logs() as logs:
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert [e["event"] for e in logs].count("billing.paused") == 6
