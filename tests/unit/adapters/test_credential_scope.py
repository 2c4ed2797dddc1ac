"""Credential headers reach the configured origin only, over real HTTP on 127.0.0.1.

Two aiohttp servers on different ports play the service and "another host"; each records the
headers of every request it receives.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.adapters.aiohttp_pool import AiohttpConnectionPool
from tinkex.adapters.aiohttp_streaming import AiohttpStreamingTransport
from tinkex.adapters.aiohttp_transport import AiohttpTransport
from tinkex.adapters.credential_scope import (
    CredentialScope,
    Origin,
    next_hop,
    origin_of,
    without_credentials,
)
from tinkex.errors import APIConnectionError, ConfigError
from tinkex.ports.transport import HttpRequest, PoolKind

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

KEY = "tml-ScopeTestKey0123456789"
CF_SECRET = "cf-scope-secret-0123456789"
CREDENTIALS = (
    ("X-API-Key", KEY),
    ("CF-Access-Client-Id", "cf-scope-id.access"),
    ("CF-Access-Client-Secret", CF_SECRET),
    ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJl"),
    ("X-Tinker-Weights-Access-Token", "weights-token-0123456789"),
)
CREDENTIAL_NAMES = {name.lower() for name, _ in CREDENTIALS}
HEADERS = (("User-Agent", "scope-test"), *CREDENTIALS)


@dataclass(frozen=True)
class Redirect:
    """Answer with a redirect; ``{service}``/``{other}``/``{self}`` name the servers."""

    location: str
    status: int = 302


ECHO = "echo"
"""Answer with the request's method and body, to check what a hop carried."""

Route = Redirect | str | dict[str, object]
"""A redirect, ECHO, a text body or a JSON body (a fresh response for every request)."""


@dataclass
class Host:
    """One loopback server and the headers (lower-cased names) of every request it got."""

    routes: dict[str, Route]
    url: str = ""
    names: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def credentials_seen(self) -> set[str]:
        return {name for _, _, headers in self.seen for name in headers} & CREDENTIAL_NAMES

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.seen.append((request.method, request.path_qs, headers))
        answer = self.routes.get(request.path)
        if answer is None:
            return web.Response(status=404)
        if isinstance(answer, Redirect):
            location = answer.location
            for name, url in self.names.items():
                location = location.replace("{" + name + "}", url)
            return web.Response(status=answer.status, headers={"Location": location})
        if answer == ECHO:
            return web.Response(text=f"{request.method} {body.decode()}")
        if isinstance(answer, dict):
            return web.json_response(answer)
        return web.Response(text=answer)


@contextlib.asynccontextmanager
async def _serve(host: Host) -> AsyncIterator[Host]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", host.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    host.url = str(server.make_url("")).rstrip("/")
    try:
        yield host
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def _service_and_other(
    service_routes: dict[str, Route], other_routes: dict[str, Route]
) -> AsyncIterator[tuple[Host, Host]]:
    """The service and another host on two ports of 127.0.0.1."""
    async with (
        _serve(Host(service_routes)) as service,
        _serve(Host(other_routes)) as other,
    ):
        for host in (service, other):
            host.names = {"service": service.url, "other": other.url, "self": host.url}
        yield service, other


def _get(url: str, *, pool: PoolKind = PoolKind.REDIRECT) -> HttpRequest:
    return HttpRequest(method="GET", url=url, headers=HEADERS, pool=pool)


def test_origin_is_scheme_host_and_port_with_defaults_filled_in() -> None:
    """Default ports and letter case do not make another origin; scheme and port do."""
    assert origin_of("https://API.Example/x") == Origin("https", "api.example", 443)
    assert origin_of("https://api.example:443/y?z") == origin_of("https://api.example")
    assert origin_of("http://api.example/") != origin_of("https://api.example/")
    assert origin_of("https://api.example:8443/") != origin_of("https://api.example/")
    assert origin_of("ftp://api.example/") is None
    assert origin_of("https://api.example:99999/") is None
    assert origin_of("/relative") is None


@pytest.mark.parametrize(
    ("url", "admitted"),
    [
        ("https://svc.example/services/tinker/api/v1/x", True),
        ("https://SVC.example:443/api", True),
        ("https://svc.example", True),
        ("https://svc.example.evil.test/api", False),
        ("https://svc.example@evil.test/api", False),
        ("https://svc.example:8443/api", False),
        ("http://svc.example/api", False),
        ("https://storage.example/signed?sig=1", False),
    ],
)
def test_a_configured_scope_admits_its_own_origin_only(url: str, admitted: bool) -> None:
    """Look-alike hosts, user-info tricks, other ports and schemes are other origins."""
    scope = CredentialScope("https://svc.example/services/tinker")
    assert scope.admits(url) is admitted
    headers = scope.headers_for(url, HEADERS)
    assert (headers == HEADERS) is admitted
    if not admitted:
        assert headers == (("User-Agent", "scope-test"),)


def test_an_unconfigured_scope_trusts_each_requests_own_origin() -> None:
    """Without a configured origin the first request keeps its headers."""
    scope = CredentialScope()
    assert scope.admits("http://anything.example/x")
    assert scope.trusted_origin("http://a.example:81/x") == Origin("http", "a.example", 81)


def test_a_scope_refuses_a_base_url_without_an_origin() -> None:
    """A relative or non-HTTP base URL is a configuration error, not a silent pass."""
    with pytest.raises(ConfigError, match="credential_origin"):
        CredentialScope("local")
    with pytest.raises(ConfigError):
        AiohttpConnectionPool(credential_origin="ftp://svc.example")


def test_without_credentials_drops_every_credential_header_in_any_case() -> None:
    """Header names match case-insensitively; other headers keep their order."""
    mixed = (("x-api-key", "a"), ("Accept", "b"), ("COOKIE", "c"), ("X-Other", "d"))
    assert without_credentials(mixed) == (("Accept", "b"), ("X-Other", "d"))


@pytest.mark.parametrize(
    ("status", "method", "expected_method", "keeps_body"),
    [
        (301, "GET", "GET", True),
        (302, "POST", "GET", False),
        (303, "PUT", "GET", False),
        (303, "HEAD", "HEAD", True),
        (307, "POST", "POST", True),
        (308, "DELETE", "DELETE", True),
    ],
)
def test_next_hop_follows_the_method_rules(
    status: int, method: str, expected_method: str, keeps_body: bool
) -> None:
    """303 (and 301/302 after POST) turn into a body-less GET; 307/308 keep everything."""
    hop = next_hop("https://svc.example/a/b", method, status, "../c?d=1")
    assert hop is not None
    assert hop.url == "https://svc.example/c?d=1"
    assert (hop.method, hop.keeps_body) == (expected_method, keeps_body)


def test_next_hop_refuses_non_http_locations() -> None:
    """A Location with another scheme is not followed."""
    assert next_hop("https://svc.example/a", "GET", 302, "file:///etc/passwd") is None
    assert next_hop("https://svc.example/a", "GET", 302, "javascript:alert(1)") is None


async def test_redirect_to_another_origin_goes_without_credentials() -> None:
    """A 302 from the service to another host is followed, but no credential travels."""
    async with _service_and_other(
        {"/api/v1/audit": Redirect("{other}/signed/audit.json?sig=s3cr3t")},
        {"/signed/audit.json": {"entries": []}},
    ) as (service, other):
        pool = AiohttpConnectionPool(credential_origin=service.url)
        try:
            response = await pool.send(_get(f"{service.url}/api/v1/audit"))
        finally:
            await pool.aclose()
    assert response.status == 200
    assert response.body == b'{"entries": []}'
    assert service.credentials_seen() == CREDENTIAL_NAMES
    assert [path for _, path, _ in other.seen] == ["/signed/audit.json?sig=s3cr3t"]
    assert other.credentials_seen() == set()
    assert other.seen[0][2]["user-agent"] == "scope-test"


async def test_redirect_chain_within_the_origin_keeps_credentials() -> None:
    """Relative and absolute redirects to the service itself still authenticate every hop."""
    routes: dict[str, Route] = {
        "/old": Redirect("/moved"),
        "/moved": Redirect("{self}/final"),
        "/final": "done",
    }
    async with _service_and_other(routes, {}) as (service, _):
        transport = AiohttpTransport(follow_redirects=True, credential_origin=service.url)
        try:
            response = await transport.send(_get(f"{service.url}/old"))
        finally:
            await transport.aclose()
    assert (response.status, response.body) == (200, b"done")
    assert [path for _, path, _ in service.seen] == ["/old", "/moved", "/final"]
    assert all(set(headers) >= CREDENTIAL_NAMES for _, _, headers in service.seen)


async def test_credentials_stay_dropped_when_a_chain_comes_back() -> None:
    """service -> other -> service: once a hop left the origin, later hops go bare too."""
    async with _service_and_other(
        {"/start": Redirect("{other}/bounce"), "/back": "back"},
        {"/bounce": Redirect("{service}/back")},
    ) as (service, other):
        transport = AiohttpTransport(follow_redirects=True, credential_origin=service.url)
        try:
            response = await transport.send(_get(f"{service.url}/start"))
        finally:
            await transport.aclose()
    assert (response.status, response.body) == (200, b"back")
    assert other.credentials_seen() == set()
    assert [(path, bool(set(h) & CREDENTIAL_NAMES)) for _, path, h in service.seen] == [
        ("/start", True),
        ("/back", False),
    ]


async def test_an_unconfigured_transport_drops_credentials_leaving_the_first_origin() -> None:
    """Without a configured origin the first request's origin is the trusted one."""
    async with _service_and_other(
        {"/api/v1/audit": Redirect("{other}/signed")}, {"/signed": "ok"}
    ) as (service, other):
        transport = AiohttpTransport(follow_redirects=True)
        try:
            response = await transport.send(_get(f"{service.url}/api/v1/audit"))
        finally:
            await transport.aclose()
    assert response.body == b"ok"
    assert service.credentials_seen() == CREDENTIAL_NAMES
    assert other.credentials_seen() == set()


async def test_a_request_addressed_to_another_origin_carries_no_credentials() -> None:
    """With a configured origin, even a first request elsewhere is sent without them."""
    async with _service_and_other({}, {"/x": "x"}) as (service, other):
        pool = AiohttpConnectionPool(credential_origin=service.url)
        try:
            for kind in (PoolKind.SESSION, PoolKind.REDIRECT):
                assert (await pool.send(_get(f"{other.url}/x", pool=kind))).body == b"x"
        finally:
            await pool.aclose()
    assert len(other.seen) == 2
    assert other.credentials_seen() == set()


async def test_a_non_following_transport_returns_the_redirect_untouched() -> None:
    """The session pools hand a 302 back; the other host is never contacted."""
    async with _service_and_other({"/r": Redirect("{other}/signed")}, {}) as (service, other):
        pool = AiohttpConnectionPool(credential_origin=service.url)
        try:
            response = await pool.send(_get(f"{service.url}/r", pool=PoolKind.SESSION))
        finally:
            await pool.aclose()
    assert response.status == 302
    assert response.headers["location"] == f"{other.url}/signed"
    assert other.seen == []


@pytest.mark.parametrize(
    ("status", "seen_method", "seen_body"), [(307, "POST", "payload"), (303, "GET", "")]
)
async def test_method_and_body_across_origins_follow_the_status(
    status: int, seen_method: str, seen_body: str
) -> None:
    """307 re-sends the POST body to the other host (bare); 303 turns it into a plain GET."""
    async with _service_and_other(
        {"/post": Redirect("{other}/echo", status=status)}, {"/echo": ECHO}
    ) as (service, other):
        transport = AiohttpTransport(follow_redirects=True, credential_origin=service.url)
        request = HttpRequest(
            method="POST",
            url=f"{service.url}/post",
            headers=(*HEADERS, ("Content-Type", "text/plain")),
            body=b"payload",
        )
        try:
            response = await transport.send(request)
        finally:
            await transport.aclose()
    assert response.body == f"{seen_method} {seen_body}".encode()
    assert other.credentials_seen() == set()
    assert ("content-type" in other.seen[0][2]) is (status == 307)


async def test_endless_redirects_stop_with_a_connection_error() -> None:
    """A redirect loop ends after max_redirects hops, naming no Location."""
    async with _service_and_other({"/loop": Redirect("/loop?sig=s3cr3t")}, {}) as (service, _):
        transport = AiohttpTransport(
            follow_redirects=True, max_redirects=3, credential_origin=service.url
        )
        try:
            with pytest.raises(APIConnectionError, match="more than 3 redirects") as caught:
                await transport.send(_get(f"{service.url}/loop"))
        finally:
            await transport.aclose()
    assert len(service.seen) == 4
    assert "s3cr3t" not in str(caught.value)


async def test_a_redirect_to_a_non_http_location_is_a_connection_error() -> None:
    """A Location such as file:/// is refused rather than followed."""
    async with _service_and_other({"/r": Redirect("file:///etc/passwd")}, {}) as (service, _):
        transport = AiohttpTransport(follow_redirects=True, credential_origin=service.url)
        try:
            with pytest.raises(APIConnectionError, match="not http"):
                await transport.send(_get(f"{service.url}/r"))
        finally:
            await transport.aclose()


async def test_streamed_requests_follow_the_same_rule() -> None:
    """The streaming transport opens responses through the same credential scope."""
    async with _service_and_other(
        {"/stream": Redirect("{other}/signed")}, {"/signed": "streamed"}
    ) as (service, other):
        pool = AiohttpConnectionPool(credential_origin=service.url)
        try:
            response = await pool.streaming_for(PoolKind.REDIRECT).open_stream(
                _get(f"{service.url}/stream")
            )
            body = b"".join([chunk async for chunk in response.chunks])
            bare = AiohttpStreamingTransport()
            try:
                direct = await bare.open_stream(_get(f"{other.url}/signed"))
                assert b"".join([chunk async for chunk in direct.chunks]) == b"streamed"
            finally:
                await bare.aclose()
        finally:
            await pool.aclose()
    assert (response.status, body) == (200, b"streamed")
    assert other.credentials_seen() == CREDENTIAL_NAMES  # only the direct, unscoped request
    assert other.seen[0][2].keys().isdisjoint(CREDENTIAL_NAMES)
