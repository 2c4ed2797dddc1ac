"""One suite, two transports: InMemoryTransport and AiohttpTransport on a loopback server.

Both sides are driven by the same handler table. The loopback server turns each aiohttp
request into an `HttpRequest`, answers it with an `InMemoryTransport` holding the same routes,
and writes the `HttpResponse` back, so any behaviour the fake has and the real transport lacks
(or the reverse) fails here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.adapters.aiohttp_transport import AiohttpTransport
from tinkex.adapters.memory import Handler, InMemoryTransport, json_response
from tinkex.errors import APITimeoutError, ClosedError
from tinkex.ports.transport import HttpRequest, HttpResponse, Transport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.timeout(10)

ECHOED_HEADERS = ("X-Echo-A", "X-Echo-B", "Content-Type")
BINARY = bytes(range(256)) * 4 + b"\r\n\x00--\r\n"
LARGE_SIZE = 2 * 1024 * 1024


def _large_body() -> bytes:
    return (bytes(range(256)) * (LARGE_SIZE // 256))[:LARGE_SIZE]


async def echo(request: HttpRequest) -> HttpResponse:
    parts = urlsplit(request.url)
    payload = {
        "method": request.method,
        "path": parts.path,
        "query": parse_qsl(parts.query, keep_blank_values=True),
        "headers": {name: request.header(name) for name in ECHOED_HEADERS},
        "body": (request.body or b"").decode("utf-8"),
    }
    return json_response(json.dumps(payload))


def status(request: HttpRequest) -> HttpResponse:
    code = int(urlsplit(request.url).path.rsplit("/", 1)[1])
    return json_response(json.dumps({"detail": f"status {code}"}), status=code)


def binary(request: HttpRequest) -> HttpResponse:
    body = (request.body or b"")[::-1] + BINARY
    return HttpResponse(status=200, headers={"content-type": "application/x-protobuf"}, body=body)


def digest(request: HttpRequest) -> HttpResponse:
    body = request.body or b""
    return json_response(
        json.dumps({"size": len(body), "sha256": hashlib.sha256(body).hexdigest()})
    )


def large(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        status=200, headers={"content-type": "application/octet-stream"}, body=_large_body()
    )


def mixed_case_headers(request: HttpRequest) -> HttpResponse:
    return json_response(
        b"{}", headers={"X-Mixed-Case": "Value-1", "X-Request-Id": "req-123", "Retry-After": "2"}
    )


async def hang(request: HttpRequest) -> HttpResponse:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


ROUTES: list[tuple[str, str, Handler]] = [
    *((method, r"/echo(/.*)?", echo) for method in ("GET", "POST", "PUT", "DELETE", "PATCH")),
    ("GET", r"/status/\d{3}", status),
    ("POST", r"/status/\d{3}", status),
    ("POST", r"/binary", binary),
    ("POST", r"/digest", digest),
    ("GET", r"/large", large),
    ("GET", r"/headers", mixed_case_headers),
    ("GET", r"/hang", hang),
]


def _router() -> InMemoryTransport:
    router = InMemoryTransport()
    for method, pattern, handler in ROUTES:
        router.route(method, pattern, handler)
    return router


async def _serve(router: InMemoryTransport, request: web.Request) -> web.Response:
    body = await request.read() if request.body_exists else None
    answer = await router.send(
        HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=tuple(request.headers.items()),
            body=body,
        )
    )
    return web.Response(status=answer.status, headers=answer.headers, body=answer.body)


@dataclass
class Subject:
    transport: Transport
    base_url: str

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes | None = None,
        timeout_s: float | None = None,
    ) -> HttpRequest:
        return HttpRequest(
            method=method,
            url=self.base_url + path,
            headers=headers,
            body=body,
            timeout_s=timeout_s,
        )


@pytest.fixture(params=["memory", "aiohttp"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "memory":
        memory = _router()
        yield Subject(memory, "http://tinker.test")
        await memory.aclose()
        return
    router = _router()

    async def handle(web_request: web.Request) -> web.Response:
        return await _serve(router, web_request)

    app = web.Application(client_max_size=4 * LARGE_SIZE)
    app.router.add_route("*", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        transport = AiohttpTransport(limit=10)
        yield Subject(transport, f"http://127.0.0.1:{server.port}")
        await transport.aclose()


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
async def test_json_echo_round_trips_the_request(subject: Subject, method: str) -> None:
    """Method, path, query, headers and body reach the handler unchanged."""
    body = None if method == "GET" else json.dumps({"k": "välue", "n": [1, 2]}).encode()
    request = subject.request(
        method,
        "/echo/a%20b?x=1&y=two&y=3&empty=",
        headers=(("X-Echo-A", "alpha"), ("x-echo-b", "beta"), ("Content-Type", "application/json")),
        body=body,
    )
    response = await subject.transport.send(request)
    assert response.status == 200
    assert response.content_type == "application/json"
    echoed = json.loads(response.body)
    assert echoed["method"] == method
    assert echoed["path"] == "/echo/a%20b"
    assert echoed["query"] == [["x", "1"], ["y", "two"], ["y", "3"], ["empty", ""]]
    assert echoed["headers"] == {
        "X-Echo-A": "alpha",
        "X-Echo-B": "beta",
        "Content-Type": "application/json",
    }
    assert echoed["body"] == (body or b"").decode()


@pytest.mark.parametrize("code", [400, 401, 404, 409, 410, 422, 429, 500, 503])
async def test_error_statuses_are_returned_not_raised(subject: Subject, code: int) -> None:
    """4xx/5xx come back as responses with their JSON body."""
    response = await subject.transport.send(subject.request("POST", f"/status/{code}", body=b"{}"))
    assert response.status == code
    assert json.loads(response.body) == {"detail": f"status {code}"}


async def test_unknown_route_is_a_404_response(subject: Subject) -> None:
    """A path no handler serves gets the 404 JSON answer, not an exception."""
    response = await subject.transport.send(subject.request("GET", "/nowhere"))
    assert response.status == 404
    assert json.loads(response.body) == {"detail": "Not Found"}


async def test_binary_body_round_trips_byte_for_byte(subject: Subject) -> None:
    """Arbitrary bytes (NUL, CR/LF, every byte value) survive both directions."""
    sent = b"\x08\x96\x01\x12\x00\r\n\xff" * 100
    response = await subject.transport.send(
        subject.request(
            "POST",
            "/binary",
            headers=(("Content-Type", "application/x-protobuf"),),
            body=sent,
        )
    )
    assert response.content_type == "application/x-protobuf"
    assert response.body == sent[::-1] + BINARY


async def test_large_bodies_round_trip(subject: Subject) -> None:
    """A 2 MiB upload and a 2 MiB download arrive complete."""
    upload = _large_body()[::-1]
    response = await subject.transport.send(subject.request("POST", "/digest", body=upload))
    assert json.loads(response.body) == {
        "size": LARGE_SIZE,
        "sha256": hashlib.sha256(upload).hexdigest(),
    }
    download = await subject.transport.send(subject.request("GET", "/large"))
    assert download.body == _large_body()


async def test_response_header_names_are_lower_cased(subject: Subject) -> None:
    """Response header names arrive lower-cased with their values intact."""
    response = await subject.transport.send(subject.request("GET", "/headers"))
    assert response.headers["x-mixed-case"] == "Value-1"
    assert response.headers["x-request-id"] == "req-123"
    assert response.headers["retry-after"] == "2"
    assert all(name == name.lower() for name in response.headers)


async def test_request_header_names_match_case_insensitively(subject: Subject) -> None:
    """A header sent in any case is found by the handler under its canonical name."""
    request = subject.request("GET", "/echo", headers=(("x-ECHO-a", "1"), ("X-ECHO-B", "2")))
    response = await subject.transport.send(request)
    assert json.loads(response.body)["headers"]["X-Echo-A"] == "1"
    assert json.loads(response.body)["headers"]["X-Echo-B"] == "2"


async def test_unanswered_request_times_out(subject: Subject) -> None:
    """A handler that never answers ends in APITimeoutError after the request's timeout."""
    with pytest.raises(APITimeoutError) as caught:
        await subject.transport.send(subject.request("GET", "/hang", timeout_s=0.1))
    assert caught.value.url_path == "/hang"
    assert caught.value.method == "GET"
    assert isinstance(caught.value, TimeoutError)


async def test_cancelled_send_leaves_the_transport_usable(subject: Subject) -> None:
    """Cancelling an in-flight send does not break later sends."""
    pending = asyncio.ensure_future(subject.transport.send(subject.request("GET", "/hang")))
    await asyncio.sleep(0.05)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    response = await subject.transport.send(subject.request("GET", "/echo"))
    assert response.status == 200


async def test_send_after_close_raises_closed_error(subject: Subject) -> None:
    """A closed transport refuses to send."""
    await subject.transport.aclose()
    with pytest.raises(ClosedError):
        await subject.transport.send(subject.request("GET", "/echo"))
