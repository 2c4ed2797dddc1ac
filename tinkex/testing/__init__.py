"""Test doubles for code that uses tinkex: fast, offline, deterministic.

Everything here is a working implementation of a tinkex port, with state to inspect, meant to
be passed to `tinkex.ServiceClient` the way ``httpx.MockTransport`` is passed to
``httpx.AsyncClient``:

- `ScriptedTransport`: answers requests from routes (method + path pattern → a canned
  response, an exception, a handler, or a one-shot script), passes the rest to a fallback,
  and records every exchange. `respond` builds responses.
- `VirtualClock`: virtual time; backoffs, polls and heartbeats take none of the real kind.
- `RecordingTelemetrySink`: keeps every telemetry event the client emits.
- `local_service`: a client over the embedded Tinker backend (`tinkex.local`), with a fault
  plan and virtual time, in one call.

A user's training loop under injected server errors, in well under a second:

```python
from tinkex.local import FaultPlan
from tinkex.testing import ScriptedTransport, local_service, respond


async def test_my_trainer_survives_server_errors() -> None:
    transport = ScriptedTransport()
    transport.script("POST", "/api/v1/forward_backward", respond(503), respond(503))
    plan = FaultPlan(error_5xx=0.2, seed=1)
    async with local_service(fault_plan=plan, transport=transport) as service:
        losses = await my_trainer(service, steps=5)
    assert len(losses) == 5
    assert transport.statuses().count(503) >= 2
```

Or with no backend at all, against routes only:

```python
transport = ScriptedTransport()
transport.reply("GET", "/api/v1/get_server_capabilities", respond(500))
service = tinkex.ServiceClient(base_url="local", transport=transport, clock=VirtualClock())
```
"""

from tinkex.testing.clock import VirtualClock
from tinkex.testing.local import local_service
from tinkex.testing.telemetry import RecordingTelemetrySink
from tinkex.testing.transport import Answer, Exchange, ScriptedTransport, respond

__all__ = [
    "Answer",
    "Exchange",
    "RecordingTelemetrySink",
    "ScriptedTransport",
    "VirtualClock",
    "local_service",
    "respond",
]
