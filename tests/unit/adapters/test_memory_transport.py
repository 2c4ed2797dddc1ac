"""InMemoryTransport: routing, the sent log, timeouts and header normalisation."""

from __future__ import annotations

import asyncio

import pytest

from tinkex.adapters.memory import InMemoryPool, InMemoryTransport, json_response
from tinkex.errors import APIConnectionError, APITimeoutError, ClosedError
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind

BASE = "http://tinker.test"


def _get(path: str, *, timeout_s: float | None = None) -> HttpRequest:
    return HttpRequest(method="GET", url=BASE + path, timeout_s=timeout_s)


async def test_routes_match_method_and_anchored_path_and_later_routes_win() -> None:
    """A route matches its method and whole path; a later registration shadows an earlier."""
    transport = InMemoryTransport()
    transport.route("GET", r"/a/\d+", lambda r: json_response(b'{"v":1}'))
    transport.route("GET", r"/a/7", lambda r: json_response(b'{"v":2}'))
    assert (await transport.send(_get("/a/3?q=1"))).body == b'{"v":1}'
    assert (await transport.send(_get("/a/7"))).body == b'{"v":2}'
    assert (await transport.send(_get("/a/3/extra"))).status == 404
    post = HttpRequest(method="POST", url=BASE + "/a/3")
    assert (await transport.send(post)).status == 404
    assert transport.paths() == ["/a/3", "/a/7", "/a/3/extra", "/a/3"]
    assert transport.sent[-1] is post


async def test_async_handlers_and_raised_faults() -> None:
    """Async handlers are awaited; a handler's connection error reaches the caller."""
    transport = InMemoryTransport()

    async def slow_ok(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return json_response("{}")

    def broken(request: HttpRequest) -> HttpResponse:
        raise APIConnectionError("reset", method="GET", url_path="/broken")

    transport.route("GET", "/ok", slow_ok)
    transport.route("GET", "/broken", broken)
    assert (await transport.send(_get("/ok", timeout_s=5))).status == 200
    with pytest.raises(APIConnectionError):
        await transport.send(_get("/broken"))


async def test_slow_async_handler_times_out_like_a_real_transport() -> None:
    """An async handler outliving timeout_s ends in APITimeoutError naming the path."""
    transport = InMemoryTransport()

    async def hang(request: HttpRequest) -> HttpResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    transport.route("GET", "/hang", hang)
    with pytest.raises(APITimeoutError, match=r"GET /hang: request timed out after 0\.01s"):
        await transport.send(_get("/hang", timeout_s=0.01))


async def test_handler_raised_timeout_is_not_rewrapped() -> None:
    """A handler that raises APITimeoutError itself gets it through unchanged."""
    transport = InMemoryTransport()
    error = APITimeoutError("scripted", method="GET", url_path="/t")

    async def scripted(request: HttpRequest) -> HttpResponse:
        raise error

    transport.route("GET", "/t", scripted)
    with pytest.raises(APITimeoutError) as caught:
        await transport.send(_get("/t", timeout_s=10))
    assert caught.value is error


async def test_response_header_names_are_lower_cased() -> None:
    """Handlers may use any case; responses carry lower-case names like aiohttp's."""
    transport = InMemoryTransport()
    transport.route("GET", "/h", lambda r: json_response("{}", headers={"Retry-After": "3"}))
    response = await transport.send(_get("/h"))
    assert response.headers == {"content-type": "application/json", "retry-after": "3"}


async def test_pool_shares_one_transport_and_closes_it() -> None:
    """InMemoryPool hands out the one transport for every kind and closes it."""
    transport = InMemoryTransport()
    pool = InMemoryPool(transport)
    assert all(pool.transport_for(kind) is transport for kind in PoolKind)
    await pool.aclose()
    with pytest.raises(ClosedError):
        await transport.send(_get("/x"))
