"""The per-endpoint circuit breaker, alone and inside the pipeline."""

from __future__ import annotations

import asyncio
import pickle
from typing import TYPE_CHECKING

import pytest
from pipeline_fakes import CREATE_MODEL, Created, make_invoker, ok, scripted, status

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.errors import APIConnectionError, BadRequestError
from tinkex.flows.circuit_breaker import CircuitBreaker, CircuitOpenError, CircuitState
from tinkex.flows.features import CircuitBreakerConfig
from tinkex.ports.endpoint import EndpointSpec

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest, HttpResponse

PATH = "/services/tinker-prod/api/v1/create_model"


def breaker(clock: FakeClock, threshold: int = 3, trials: int = 1) -> CircuitBreaker:
    config = CircuitBreakerConfig(
        failure_threshold=threshold, reset_timeout_s=30.0, half_open_max_calls=trials
    )
    return CircuitBreaker("service.create_model", config, clock=clock)


def state_of(cb: CircuitBreaker) -> CircuitState:
    """Read the state through a call so each check sees the live value."""
    return cb.state


def fail_times(cb: CircuitBreaker, count: int) -> None:
    for _ in range(count):
        cb.release(False, trial=cb.acquire())


def test_consecutive_failures_open_the_circuit_and_reject_fast() -> None:
    """N consecutive failures open it; a success in between resets the count."""
    clock = FakeClock()
    cb = breaker(clock)
    fail_times(cb, 2)
    cb.release(True, trial=cb.acquire())
    fail_times(cb, 2)
    assert state_of(cb) is CircuitState.CLOSED
    fail_times(cb, 1)
    assert state_of(cb) is CircuitState.OPEN
    clock.advance(10.0)
    with pytest.raises(CircuitOpenError) as caught:
        cb.acquire()
    assert caught.value.retry_after_s == pytest.approx(20.0)
    assert caught.value.name == "service.create_model"


def test_open_turns_half_open_after_the_timeout_and_a_trial_success_closes() -> None:
    """After reset_timeout_s one trial is admitted; its success closes the circuit."""
    clock = FakeClock()
    cb = breaker(clock)
    fail_times(cb, 3)
    clock.advance(30.0)
    assert state_of(cb) is CircuitState.HALF_OPEN
    trial = cb.acquire()
    assert trial is True
    with pytest.raises(CircuitOpenError):
        cb.acquire()
    cb.release(True, trial=trial)
    assert state_of(cb) is CircuitState.CLOSED
    assert cb.acquire() is False


def test_a_failed_trial_reopens_for_another_timeout() -> None:
    """A half-open failure opens the circuit again, timed from the failure."""
    clock = FakeClock()
    cb = breaker(clock)
    fail_times(cb, 3)
    clock.advance(31.0)
    cb.release(False, trial=cb.acquire())
    assert state_of(cb) is CircuitState.OPEN
    clock.advance(29.0)
    assert state_of(cb) is CircuitState.OPEN
    clock.advance(1.0)
    assert state_of(cb) is CircuitState.HALF_OPEN


def test_an_abandoned_trial_frees_its_slot_without_an_outcome() -> None:
    """A cancelled trial (release None) lets the next trial in and keeps the state."""
    clock = FakeClock()
    cb = breaker(clock)
    fail_times(cb, 3)
    clock.advance(30.0)
    cb.release(None, trial=cb.acquire())
    assert state_of(cb) is CircuitState.HALF_OPEN
    assert cb.acquire() is True


def test_circuit_open_error_pickles() -> None:
    """The typed error survives a pickle round trip."""
    error = pickle.loads(pickle.dumps(CircuitOpenError("x", retry_after_s=1.5)))
    assert isinstance(error, CircuitOpenError)
    assert error.retry_after_s == 1.5


async def test_pipeline_stops_retrying_once_the_circuit_opens() -> None:
    """5xx attempts count as failures; the attempt after the threshold is not sent."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(status(503)))
    clock = FakeClock()
    cb = breaker(clock)
    invoker = make_invoker(transport, clock, breakers={CREATE_MODEL.name: cb})
    with pytest.raises(CircuitOpenError):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert len(transport.sent) == 3
    with pytest.raises(CircuitOpenError):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert len(transport.sent) == 3


async def test_client_errors_and_connection_errors_are_told_apart() -> None:
    """4xx answers keep the circuit closed; connection failures count."""
    transport = InMemoryTransport()
    transport.route("POST", PATH, scripted(status(400)))
    clock = FakeClock()
    cb = breaker(clock)
    spec = EndpointSpec(name=CREATE_MODEL.name, method="POST", path="/api/v1/create_model")
    invoker = make_invoker(transport, clock, breakers={spec.name: cb})
    for _ in range(5):
        with pytest.raises(BadRequestError):
            await invoker.invoke(spec, {}, response_type=Created)
    assert state_of(cb) is CircuitState.CLOSED
    transport.route("POST", PATH, scripted(APIConnectionError("down")))
    with pytest.raises(CircuitOpenError):
        await invoker.invoke(spec, {}, response_type=Created)
    assert state_of(cb) is CircuitState.OPEN


async def test_concurrent_callers_get_one_half_open_trial() -> None:
    """While half-open, one caller's trial runs; concurrent callers are rejected."""
    clock = FakeClock()
    cb = breaker(clock)
    fail_times(cb, 3)
    clock.advance(30.0)
    gate = asyncio.Event()

    async def slow(request: HttpRequest) -> HttpResponse:
        await gate.wait()
        return ok()

    transport = InMemoryTransport()
    transport.route("POST", PATH, slow)
    invoker = make_invoker(transport, clock, breakers={CREATE_MODEL.name: cb})
    calls = [
        asyncio.create_task(invoker.invoke(CREATE_MODEL, {}, response_type=Created))
        for _ in range(4)
    ]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(transport.sent) == 1
    gate.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert sum(isinstance(r, Created) for r in results) == 1
    assert sum(isinstance(r, CircuitOpenError) for r in results) == 3
    assert state_of(cb) is CircuitState.CLOSED
