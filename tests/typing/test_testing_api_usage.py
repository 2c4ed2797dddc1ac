"""The public seams and tinkex.testing, used as a user would; checked by mypy --strict (and run).

The doubles are assigned to the port types they stand in for, so mypy fails here if one stops
satisfying its Protocol; the ``type: ignore`` lines fail (as unused ignores) if a signature
loosens and starts accepting what it should refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex import types
from tinkex.errors import ConfigError
from tinkex.local import FaultPlan
from tinkex.testing import (
    Exchange,
    RecordingTelemetrySink,
    ScriptedTransport,
    VirtualClock,
    local_service,
    respond,
)

if TYPE_CHECKING:
    from tinkex.ports.clock import Clock
    from tinkex.ports.telemetry import TelemetrySink
    from tinkex.ports.transport import HttpRequest, HttpResponse, Transport


async def test_the_seams_take_the_doubles_as_their_ports() -> None:
    """transport=, clock= and telemetry= accept the testing doubles, typed as the ports."""
    scripted = ScriptedTransport()

    def capabilities(request: HttpRequest) -> HttpResponse:
        return respond(200, {"supported_models": [{"model_name": request.method}]})

    scripted.reply("GET", "/api/v1/get_server_capabilities", capabilities)
    scripted.reply("POST", "/api/v1/client/.*", respond())
    scripted.reply("POST", "/api/v1/create_session", respond(200, {"session_id": "s"}))
    scripted.reply("POST", "/api/v1/sessions/s/finish", respond())
    transport: Transport = scripted
    clock: Clock = VirtualClock()
    sink: TelemetrySink = RecordingTelemetrySink()
    async with tinkex.ServiceClient(
        base_url="local", transport=transport, clock=clock, telemetry=sink, heartbeat="loop"
    ) as service:
        answer: types.GetServerCapabilitiesResponse = await service.get_server_capabilities()
    assert [m.model_name for m in answer.supported_models] == ["GET"]
    first: Exchange = scripted.exchanges[0]
    status: int | None = first.status
    assert status == 200


async def test_local_service_yields_a_typed_service_client() -> None:
    """local_service takes a FaultPlan and yields a ServiceClient."""
    clock = VirtualClock()
    async with local_service(fault_plan=FaultPlan(seed=1), clock=clock) as service:
        client: tinkex.ServiceClient = service
        names = [m.model_name for m in (await client.get_server_capabilities()).supported_models]
    assert "tinkex/tiny-byte-lm" in names
    elapsed: float = clock.elapsed
    assert elapsed >= 0.0


def test_signatures_refuse_what_they_should() -> None:
    """A heartbeat mode outside the Literal and a non-sink telemetry are type errors too."""
    with pytest.raises(ConfigError):
        tinkex.ServiceClient(base_url="local", heartbeat="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        tinkex.ServiceClient(base_url="local", telemetry="on")  # type: ignore[arg-type]
