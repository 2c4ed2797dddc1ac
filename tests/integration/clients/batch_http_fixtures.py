"""The embedded backend on 127.0.0.1 with batch polling on, and a log of what crossed the wire.

`WireLog` is an aiohttp middleware in front of the backend: it notes each request as it
arrives and each JSON answer as it leaves, in one ordered list, so a test can tell whether a
``retrieve_future`` came after the ``retrieve_futures`` answer that reported its request.
It can also refuse the polls (`refuse_polls`) and hold ``cancel_future`` requests for a moment
(`cancel_hold_s`) to see how many are in flight at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.local import BackendConfig, FaultPlan, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
    from pathlib import Path

API_KEY = "tml-batch-futures"
TINY_MODEL = "tinkex/tiny-byte-lm"
POLLS = "/api/v1/retrieve_futures"
FETCH = "/api/v1/retrieve_future"
CANCEL = "/api/v1/cancel_future"
SAMPLE = "/api/v1/asample"


def batch_backend(
    tmp_path: Path, *, fault_plan: FaultPlan | None = None, **config: Any
) -> LocalBackend:
    """A backend with short long-polls; `config` sets `BackendConfig` fields."""
    return LocalBackend(
        tmp_path,
        fault_plan=fault_plan,
        config=BackendConfig(poll_timeout_s=1.0, session_ttl_s=None, **config),
    )


@dataclass
class Event:
    """A request arriving (``answer`` False) or its JSON answer leaving."""

    path: str
    answer: bool
    body: Any
    status: int = 200


@dataclass
class WireLog:
    """Everything the backend received and answered, in order."""

    events: list[Event] = field(default_factory=list)
    refuse_polls: int | None = None
    cancel_hold_s: float = 0.0
    cancels_in_flight: int = 0
    max_cancels_in_flight: int = 0

    def requests(self, path: str) -> list[Any]:
        """The bodies of the requests to `path`, in arrival order."""
        return [e.body for e in self.events if e.path == path and not e.answer]

    def answers(self, path: str) -> list[Any]:
        """The JSON answers to requests to `path`, in the order they left."""
        return [e.body for e in self.events if e.path == path and e.answer]

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        self.events.append(Event(request.path, answer=False, body=body))
        if request.path == POLLS and self.refuse_polls is not None:
            refused = {"detail": "polling refused by the test"}
            self.events.append(Event(request.path, True, refused, self.refuse_polls))
            return web.json_response(refused, status=self.refuse_polls)
        if request.path == CANCEL:
            return await self._held(request, handler)
        response = await handler(request)
        if isinstance(response, web.Response) and response.content_type == "application/json":
            data = json.loads(response.body) if isinstance(response.body, bytes) else None
            self.events.append(Event(request.path, True, data, response.status))
        return response

    async def _held(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.cancels_in_flight += 1
        self.max_cancels_in_flight = max(self.max_cancels_in_flight, self.cancels_in_flight)
        try:
            await asyncio.sleep(self.cancel_hold_s)
            response = await handler(request)
        finally:
            self.cancels_in_flight -= 1
        self.events.append(Event(request.path, True, None, response.status))
        return response


@contextlib.asynccontextmanager
async def serve_logged(backend: LocalBackend, log: WireLog) -> AsyncIterator[str]:
    """Serve `backend` behind `log` on 127.0.0.1; yield the base URL."""
    app = make_app(backend)
    app.middlewares.append(log.middleware)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def service(url: str) -> ServiceClient:
    """A client of the logged server (telemetry off: the log holds only the calls under test)."""
    return ServiceClient(base_url=url, api_key=API_KEY, telemetry=False)


async def wait_for(condition: Callable[[], bool], *, what: str, attempts: int = 500) -> None:
    """Poll `condition` every 10 ms (bounded); fail naming `what` if it never holds."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def completion_states(log: WireLog) -> Mapping[str, str]:
    """Request id -> state of every completion the polls reported."""
    return {
        c["request_id"]: c["state"]
        for answer in log.answers(POLLS)
        if isinstance(answer, dict)
        for c in answer.get("completions", [])
    }
