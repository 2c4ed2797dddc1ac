"""First contact fails fast: a base URL that never answers is reported by host within a bound.

The bound holds only until the server first answers (whatever the status); after that the
retry layers ride out outages as before. Virtual time (`FakeClock`) drives the scripted
cases; one case refuses real connections on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import socket
import time
from typing import TYPE_CHECKING

import pytest

from tinkex import api
from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.bootstrap.compose import compose
from tinkex.clients.service import ServiceClient
from tinkex.config import DEFAULT_FIRST_CONTACT_TIMEOUT_S, load_config
from tinkex.errors import APIConnectionError, ClosedError, ConfigError
from tinkex.flows.first_contact import host_of

if TYPE_CHECKING:
    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.transport import HttpRequest, HttpResponse

BASE_URL = "http://tinker.test:8123"


class _Script:
    """Answers client/config per a list of outcomes: "refuse", a status, then 200s."""

    def __init__(self, clock: FakeClock, outcomes: list[str | int], body: bytes = b"{}") -> None:
        self.clock = clock
        self.outcomes = outcomes
        self.body = body
        self.sent_at: list[float] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.sent_at.append(self.clock.monotonic())
        outcome = self.outcomes.pop(0) if self.outcomes else 200
        if outcome == "refuse":
            raise APIConnectionError("POST /api/v1/client/config: connection error (refused)")
        return json_response(self.body, status=int(outcome))


def _runtime(script: _Script, clock: FakeClock, *, budget_s: float | None = None) -> Runtime:
    transport = InMemoryTransport()
    transport.route("POST", r"/api/v1/client/config", script)
    transport.route("POST", r"/api/v1/client/dynamic_config", lambda r: json_response(b"{}"))
    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=clock,
        base_url=BASE_URL,
        threaded_heartbeat=False,
    )
    config = load_config(
        api_key="tml-test-key",
        base_url=BASE_URL,
        telemetry=False,
        env={},
        first_contact_timeout_s=budget_s,
    )
    return compose(config, adapters=adapters)


async def test_a_host_that_never_answers_fails_at_the_bound_naming_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tinkex")
    clock = FakeClock()
    script = _Script(clock, ["refuse"] * 1000)
    runtime = _runtime(script, clock, budget_s=10.0)
    started = clock.monotonic()
    with pytest.raises(APIConnectionError) as info:
        await runtime.start(create_session=False)
    assert "tinker.test:8123" in str(info.value)
    assert "no answer within 10s" in str(info.value)
    assert isinstance(info.value.__cause__, APIConnectionError)  # the last refusal
    assert clock.monotonic() - started == pytest.approx(10.0)
    assert len(script.sent_at) > 1  # it did retry within the bound
    warnings = [r for r in caplog.records if "first_contact" in r.getMessage()]
    assert len(warnings) == 1  # once, on the first failure, not on every retry
    assert warnings[0].levelno == logging.WARNING
    assert "tinker.test:8123" in warnings[0].getMessage()
    await runtime.aclose()


async def test_a_server_that_answers_errors_is_waited_for_beyond_the_bound() -> None:
    """503s are answers: the server is there, so the usual retries apply, not the bound."""
    clock = FakeClock()
    script = _Script(clock, [503] * 6)
    runtime = _runtime(script, clock, budget_s=1.0)
    await runtime.start(create_session=False)
    assert script.sent_at[-1] - script.sent_at[0] > 1.0  # went on past the first-contact bound
    assert len(script.sent_at) == 7
    await runtime.aclose()


async def test_refusals_then_an_answer_within_the_bound_start_normally() -> None:
    clock = FakeClock()
    script = _Script(clock, ["refuse", "refuse"])
    runtime = _runtime(script, clock, budget_s=10.0)
    await runtime.start(create_session=False)
    assert len(script.sent_at) == 3
    assert not runtime.legacy
    await runtime.aclose()


async def test_once_answered_an_outage_is_ridden_out_beyond_the_bound() -> None:
    """The bound is about reaching the host at all: after an answer, a restart is waited out."""
    clock = FakeClock()
    script = _Script(clock, [])
    runtime = _runtime(script, clock, budget_s=1.0)
    await runtime.start(create_session=False)
    outage = _Script(clock, ["refuse"] * 6, body=b'{"supported_models": []}')
    transport = runtime.pool.transport_for(api.service.GET_SERVER_CAPABILITIES.pool)
    assert isinstance(transport, InMemoryTransport)
    transport.route("GET", r"/api/v1/get_server_capabilities", outage)
    await api.service.get_server_capabilities(runtime.invoker)
    assert outage.sent_at[-1] - outage.sent_at[0] > 1.0
    assert len(outage.sent_at) == 7
    await runtime.aclose()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_refused_base_url_fails_fast_and_closes_its_sessions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Real sockets: refused on 127.0.0.1, reported by host and port within the bound.

    The failed start releases its aiohttp sessions: an unclosed one would warn when collected
    (and warnings are errors here).
    """
    caplog.set_level(logging.WARNING, logger="tinkex")
    port = _closed_port()
    service = ServiceClient(
        base_url=f"http://127.0.0.1:{port}",
        api_key="tml-test-key",
        telemetry=False,
        first_contact_timeout_s=1.5,
        env={},
    )
    started = time.monotonic()
    with pytest.raises(APIConnectionError, match=f"cannot reach 127.0.0.1:{port}"):
        async with service:
            pytest.fail("the start cannot succeed")
    assert time.monotonic() - started < 30  # not the ~6 minutes of silent retries
    assert any(f"127.0.0.1:{port}" in record.getMessage() for record in caplog.records)
    assert service.closed
    with pytest.raises(ClosedError, match="start failed"):
        await service.get_server_capabilities()
    gc.collect()
    await asyncio.sleep(0)


def test_the_bound_is_configurable_and_checked() -> None:
    assert load_config(api_key="tml-k", env={}).first_contact_timeout_s == (
        DEFAULT_FIRST_CONTACT_TIMEOUT_S
    )
    env = {"TINKER_FIRST_CONTACT_TIMEOUT": "2.5"}
    assert load_config(api_key="tml-k", env=env).first_contact_timeout_s == 2.5
    explicit = load_config(api_key="tml-k", env=env, first_contact_timeout_s=4)
    assert explicit.first_contact_timeout_s == 4  # the argument wins over the environment
    for bad in ("soon", "0", "-1", "inf", "nan"):
        with pytest.raises(ConfigError, match="TINKER_FIRST_CONTACT_TIMEOUT"):
            load_config(api_key="tml-k", env={"TINKER_FIRST_CONTACT_TIMEOUT": bad})
    for value in (0.0, -2.0, math.inf, True):
        with pytest.raises(ConfigError, match="first_contact_timeout_s"):
            load_config(api_key="tml-k", env={}, first_contact_timeout_s=value)


def test_the_host_is_named_without_credentials() -> None:
    assert host_of("https://user:secret@tinker.example:8443/services/x") == "tinker.example:8443"
    assert host_of("https://tinker.example/services/x") == "tinker.example"
