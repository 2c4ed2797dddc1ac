"""RestClient.get_audit_log follows the service's redirect, and the API key stays behind.

The embedded backend serves the API on 127.0.0.1; a middleware in front of it answers the
audit endpoint with a 302 (to another server on another port, or to the service itself),
as a service handing out a signed URL would. Both servers record every header they receive.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.local import LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from pathlib import Path

    from tinkex.domain.types import AuditLogResponse

KEY = "tml-RedirectAuditKey0123456789"
ENV = {
    "CLOUDFLARE_ACCESS_CLIENT_ID": "cf-redirect-id.access",
    "CLOUDFLARE_ACCESS_CLIENT_SECRET": "cf-redirect-secret-0123456789",
}
CREDENTIALS = {"x-api-key", "cf-access-client-id", "cf-access-client-secret", "authorization"}
AUDIT = {"entries": [{"event": "checkpoint.published", "timestamp": "2025-01-01T00:00:00Z"}]}
Seen = list[tuple[str, dict[str, str]]]


def _recording(seen: Seen) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def record(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        seen.append((request.path, {k.lower(): v for k, v in request.headers.items()}))
        return await handler(request)

    return record


@contextlib.asynccontextmanager
async def _servers(tmp_path: Path, audit_location: str) -> AsyncIterator[tuple[str, Seen, Seen]]:
    """The embedded backend redirecting /api/v1/audit, and another host serving the log.

    `audit_location` may name ``{other}`` or ``{service}``; yields (service URL, what the
    service saw, what the other host saw).
    """
    service_seen: Seen = []
    other_seen: Seen = []
    urls: dict[str, str] = {}

    async def signed_audit(request: web.Request) -> web.Response:
        return web.json_response(AUDIT)

    @web.middleware
    async def redirect_audit(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/api/v1/audit":
            location = audit_location.format(**urls)
            return web.Response(status=302, headers={"Location": location})
        if request.path == "/signed/audit":
            return await signed_audit(request)
        return await handler(request)

    other_app = web.Application(middlewares=[_recording(other_seen)])
    other_app.router.add_get("/signed/audit", signed_audit)
    app = make_app(LocalBackend(tmp_path))
    app.middlewares.extend([_recording(service_seen), redirect_audit])
    other = TestServer(other_app, host="127.0.0.1")
    service = TestServer(app, host="127.0.0.1")
    await other.start_server()
    await service.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    urls["other"] = str(other.make_url("")).rstrip("/")
    urls["service"] = str(service.make_url("")).rstrip("/")
    try:
        yield urls["service"], service_seen, other_seen
    finally:
        await service.close()
        await other.close()


async def _audit_log(url: str) -> AuditLogResponse:
    async with ServiceClient(base_url=url, api_key=KEY, telemetry=False, env=ENV) as service:
        return await service.create_rest_client().get_audit_log()


async def test_audit_log_redirected_to_another_host_sends_it_no_credentials(
    tmp_path: Path,
) -> None:
    """The log is fetched from the other host, which never sees the key or Cloudflare headers."""
    async with _servers(tmp_path, "{other}/signed/audit?sig=abc") as (url, service, other):
        log = await _audit_log(url)
    assert [entry.event for entry in log.entries] == ["checkpoint.published"]
    assert [path for path, _ in other] == ["/signed/audit"]
    assert CREDENTIALS.isdisjoint(other[0][1])
    audit = [headers for path, headers in service if path == "/api/v1/audit"]
    assert audit[0]["x-api-key"] == KEY
    assert audit[0]["cf-access-client-secret"] == ENV["CLOUDFLARE_ACCESS_CLIENT_SECRET"]


async def test_audit_log_redirected_within_the_service_keeps_its_credentials(
    tmp_path: Path,
) -> None:
    """A redirect to the service's own origin is followed with the key, as before."""
    async with _servers(tmp_path, "{service}/signed/audit") as (url, service, other):
        log = await _audit_log(url)
    assert len(log.entries) == 1
    assert other == []
    signed = [headers for path, headers in service if path == "/signed/audit"]
    assert signed[0]["x-api-key"] == KEY
    assert signed[0]["cf-access-client-id"] == ENV["CLOUDFLARE_ACCESS_CLIENT_ID"]
