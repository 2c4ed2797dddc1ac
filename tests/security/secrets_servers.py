"""The servers of the secrets scenario: the embedded backend and "another host", recording all.

`scenario_servers` serves an embedded backend on 127.0.0.1 behind two middlewares: one records
every request (method, path, headers, decoded body), the other plays a service that
misbehaves as real ones do:

- ``GET /api/v1/audit`` answers 302 to a signed URL on the other host (another port);
- any path naming `ECHO_RUN` answers 400 with a body echoing the request's credential headers.

The other host records the headers of every request it receives.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.adapters.content_encoding import decode_body
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from pathlib import Path

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ECHO_RUN = "echo-credentials-run"
"""A training run id the service answers with a 400 that echoes the credentials."""
AUDIT = {"entries": [{"event": "checkpoint.published", "timestamp": "2025-01-01T00:00:00Z"}]}


@dataclass(frozen=True)
class Received:
    """One request as a server saw it (header names lower-cased, body decompressed)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything about the request, as text to search."""
        return f"{self.method} {self.path} {self.headers!r} {self.body.decode('latin-1')}"


@dataclass
class Servers:
    """The two servers' URLs and what each received."""

    service_url: str = ""
    other_url: str = ""
    service: list[Received] = field(default_factory=list)
    other: list[Received] = field(default_factory=list)


async def _received(request: web.Request) -> Received:
    body = await request.read()
    encoding = request.headers.get("Content-Encoding")
    if body and encoding:
        body = decode_body(body, encoding)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return Received(request.method, request.path_qs, headers, body)


def _echo_credentials(request: web.Request) -> web.Response:
    """A 400 whose body quotes the credentials back, as a careless service might."""
    echoed = ", ".join(
        f"{name}={request.headers.get(name, '')}"
        for name in ("X-API-Key", "CF-Access-Client-Secret", "Authorization")
    )
    return web.json_response(
        {"detail": f"invalid credentials: {echoed}", "received": dict(request.headers)},
        status=400,
    )


@contextlib.asynccontextmanager
async def scenario_servers(data_dir: Path) -> AsyncIterator[Servers]:
    """Start the service (embedded backend) and the other host on two loopback ports."""
    servers = Servers()

    @web.middleware
    async def service_side(request: web.Request, handler: Handler) -> web.StreamResponse:
        servers.service.append(await _received(request))
        if request.path == "/api/v1/audit":
            location = f"{servers.other_url}/signed/audit?signature=abc123"
            return web.Response(status=302, headers={"Location": location})
        if ECHO_RUN in request.path:
            return _echo_credentials(request)
        return await handler(request)

    async def other_side(request: web.Request) -> web.Response:
        servers.other.append(await _received(request))
        return web.json_response(AUDIT)

    backend = LocalBackend(data_dir, config=BackendConfig(poll_timeout_s=1.0, session_ttl_s=None))
    app = make_app(backend)
    app.middlewares.append(service_side)
    other_app = web.Application()
    other_app.router.add_route("*", "/{tail:.*}", other_side)
    service = TestServer(app, host="127.0.0.1")
    other = TestServer(other_app, host="127.0.0.1")
    await service.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    await other.start_server()
    servers.service_url = str(service.make_url("")).rstrip("/")
    servers.other_url = str(other.make_url("")).rstrip("/")
    try:
        yield servers
    finally:
        await service.close()
        await other.close()
        await backend.aclose()
