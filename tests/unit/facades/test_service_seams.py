"""ServiceClient(transport=, clock=, telemetry=): the user's I/O carries all traffic and timing."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from tinkex.bootstrap.adapters import Adapters, as_pool
from tinkex.clients.service import ServiceClient
from tinkex.config import load_config
from tinkex.errors import BadRequestError, ConfigError
from tinkex.local import LocalBackend
from tinkex.ports.transport import PoolKind, Transport
from tinkex.testing import RecordingTelemetrySink, ScriptedTransport, VirtualClock, respond

if TYPE_CHECKING:
    from pathlib import Path

API = "/api/v1"


def _tinker_routes() -> ScriptedTransport:
    """Just enough of a Tinker service for a session and one capabilities call."""
    transport = ScriptedTransport()
    transport.reply("POST", f"{API}/client/config", respond(200, {}))
    transport.reply("POST", f"{API}/client/dynamic_config", respond(200, {}))
    transport.reply(
        "POST", f"{API}/create_session", respond(200, {"type": "create_session", "session_id": "s"})
    )
    transport.reply("POST", f"{API}/session_heartbeat", respond(200, {"type": "session_heartbeat"}))
    transport.reply("POST", f"{API}/sessions/s/finish", respond(200, {}))
    transport.reply("POST", f"{API}/telemetry", respond(200, {"status": "accepted"}))
    transport.reply(
        "GET",
        f"{API}/get_server_capabilities",
        respond(200, {"supported_models": [{"model_name": "m"}]}),
    )
    return transport


async def test_every_request_and_every_wait_goes_through_the_given_transport_and_clock() -> None:
    """Retries back off on the given clock; heartbeats use the given transport; no thread."""
    transport = _tinker_routes()
    transport.script("GET", f"{API}/get_server_capabilities", respond(503), respond(503))
    clock = VirtualClock()
    threads_before = set(threading.enumerate())
    service = ServiceClient(base_url="local", transport=transport, clock=clock, telemetry=False)

    capabilities = await service.get_server_capabilities()
    await clock.sleep(25.0)  # virtual: the heartbeat task wakes twice meanwhile
    await service.close()

    assert [m.model_name for m in capabilities.supported_models] == ["m"]
    assert transport.statuses().count(503) == 2
    assert clock.elapsed >= 25.0
    assert len(clock.sleeps) >= 3  # two backoffs and the test's own sleep, all virtual
    assert len(transport.requests_to("POST", f"{API}/session_heartbeat")) == 2
    assert all(r.url.startswith(f"http://local{API}/") for r in transport.sent)
    assert transport.closed  # the client owns what it was given, as httpx does
    assert set(threading.enumerate()) <= threads_before


async def test_a_telemetry_sink_receives_the_events_and_nothing_is_uploaded() -> None:
    """SESSION_START, a final failure and SESSION_END reach the sink; no telemetry request."""
    transport = _tinker_routes()
    transport.reply("GET", f"{API}/get_server_capabilities", respond(400, {"detail": "no"}))
    sink = RecordingTelemetrySink()
    service = ServiceClient(
        base_url="local", transport=transport, clock=VirtualClock(), telemetry=sink
    )

    with pytest.raises(BadRequestError):
        await service.get_server_capabilities()
    await service.close()

    names = sink.names()
    assert names[0] == "SESSION_START"
    assert names[-1] == "SESSION_END"
    assert any(e.event_data.get("status") == 400 for e in sink.events), sink.events
    assert sink.closed
    assert transport.requests_to("POST", f"{API}/telemetry") == []


@pytest.mark.parametrize("enabled", [True, False])
async def test_telemetry_as_a_bool_still_switches_the_upload(enabled: bool) -> None:
    """telemetry=True uploads a batch by close; False sends none and has no sink."""
    transport = _tinker_routes()
    service = ServiceClient(
        base_url="local", transport=transport, clock=VirtualClock(), telemetry=enabled
    )
    await service.start()
    assert (service.runtime.telemetry is not None) is enabled
    await service.close()
    assert bool(transport.requests_to("POST", f"{API}/telemetry")) is enabled


class KindPool:
    """A ConnectionPool that records which traffic classes were asked for."""

    def __init__(self, transport: ScriptedTransport) -> None:
        self.transport = transport
        self.kinds: set[PoolKind] = set()
        self.closed = False

    def transport_for(self, kind: PoolKind, /) -> Transport:
        self.kinds.add(kind)
        return self.transport

    async def aclose(self) -> None:
        self.closed = True


async def test_a_connection_pool_is_asked_per_traffic_class() -> None:
    """A ConnectionPool passed as transport serves each traffic class and is closed."""
    pool = KindPool(_tinker_routes())
    service = ServiceClient(base_url="local", transport=pool, clock=VirtualClock(), telemetry=False)
    await service.get_server_capabilities()
    await service.close()
    assert PoolKind.SESSION in pool.kinds
    assert pool.closed
    assert len(pool.transport.sent) >= 4


async def test_conflicting_or_malformed_seams_raise_config_errors(tmp_path: Path) -> None:
    """Wrong types and impossible combinations fail at construction, naming the problem."""
    transport = ScriptedTransport()
    with pytest.raises(ConfigError, match=r"Transport .* or a ConnectionPool"):
        ServiceClient(base_url="local", transport=object())  # type: ignore[arg-type]
    backend = LocalBackend(tmp_path)
    with pytest.raises(ConfigError, match="transport or backend"):
        ServiceClient(transport=transport, backend=backend)
    await backend.aclose()
    with pytest.raises(ConfigError, match="a bool or a TelemetrySink"):
        ServiceClient(base_url="local", transport=transport, telemetry="yes")  # type: ignore[arg-type]
    adapters = Adapters(pool=as_pool(transport), clock=VirtualClock(), base_url="http://local")
    with pytest.raises(ConfigError, match="adapters= replaces"):
        ServiceClient(base_url="local", adapters=adapters, clock=VirtualClock())
    with pytest.raises(ConfigError, match=r"heartbeat='thread'.*transport you pass"):
        ServiceClient(base_url="local", transport=transport, heartbeat="thread")


def test_heartbeat_mode_comes_from_the_argument_then_tinkex_heartbeat() -> None:
    """The argument wins over TINKEX_HEARTBEAT; unset means the connection's default."""
    assert load_config(base_url="local", env={}).heartbeat is None
    assert load_config(base_url="local", env={"TINKEX_HEARTBEAT": " Loop "}).heartbeat == "loop"
    env = {"TINKEX_HEARTBEAT": "loop"}
    assert load_config(base_url="local", env=env, heartbeat="thread").heartbeat == "thread"
    with pytest.raises(ConfigError, match="TINKEX_HEARTBEAT must be 'thread' or 'loop'"):
        load_config(base_url="local", env={"TINKEX_HEARTBEAT": "sometimes"})
    with pytest.raises(ConfigError, match="in-process embedded backend"):
        ServiceClient(base_url="local", env={"TINKEX_HEARTBEAT": "thread"})
