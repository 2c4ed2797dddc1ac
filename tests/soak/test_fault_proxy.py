"""The soak's fault proxy against a small recording upstream on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web

from benchmarks.soak.fault_proxy import FaultProxy, ProxyPlan

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class Upstream:
    """Records every request it receives and answers with a fixed, recognisable reply."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append((request.method, request.path_qs, dict(request.headers), body))
        if request.path.endswith("/redirect"):
            return web.Response(status=302, headers={"Location": "http://elsewhere/x"})
        return web.Response(
            status=201,
            body=b"\x28\xb5\x2f\xfd" + body,  # bytes that must not be re-encoded
            headers={"X-Upstream": "yes", "Content-Type": "application/octet-stream"},
        )


@contextlib.asynccontextmanager
async def upstream_server() -> AsyncIterator[Upstream]:
    upstream = Upstream()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", upstream.handle)
    runner = web.AppRunner(app, auto_decompress=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    upstream.url = f"http://{host}:{port}"
    try:
        yield upstream
    finally:
        await runner.cleanup()


async def _post(url: str, body: bytes = b"{}") -> tuple[int, dict[str, str], bytes]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session,
        session.post(url, data=body, allow_redirects=False) as response,
    ):
        return response.status, dict(response.headers), await response.read()


async def test_passes_requests_and_answers_through_unchanged() -> None:
    async with upstream_server() as upstream, FaultProxy(upstream.url, ProxyPlan()) as proxy:
        body = b"\x28\xb5\x2f\xfd compressed bytes \x00\xff"
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session,
            session.post(
                f"{proxy.url}/api/v1/forward_backward?x=1",
                data=body,
                headers={"Content-Encoding": "zstd", "X-Api-Key": "tml-k"},
            ) as response,
        ):
            status, headers, payload = response.status, response.headers, await response.read()
        redirect = await _post(f"{proxy.url}/api/v1/redirect")
    method, path, sent_headers, sent_body = upstream.seen[0]
    assert (method, path, sent_body) == ("POST", "/api/v1/forward_backward?x=1", body)
    assert sent_headers["Content-Encoding"] == "zstd"
    assert sent_headers["X-Api-Key"] == "tml-k"
    assert (status, headers["X-Upstream"], payload) == (201, "yes", b"\x28\xb5\x2f\xfd" + body)
    assert redirect[0] == 302  # never followed by the proxy
    assert redirect[1]["Location"] == "http://elsewhere/x"
    assert proxy.counts["passed"] == 2


async def test_429_bursts_cover_consecutive_requests_and_alternate_headers() -> None:
    plan = ProxyPlan(seed=1, burst_chance=1.0, burst_length=3, retry_after_ms=1500)
    async with upstream_server() as upstream, FaultProxy(upstream.url, plan) as proxy:
        answers = [await _post(f"{proxy.url}/api/v1/asample") for _ in range(6)]
    assert [status for status, _, _ in answers] == [429] * 6
    assert upstream.seen == []  # a 429 never reaches the server
    first, second = answers[0][1], answers[3][1]
    assert first.get("Retry-After") == "2"  # whole seconds, rounded
    assert "retry-after-ms" not in first
    assert second.get("retry-after-ms") == "1500"
    assert proxy.counts["bursts"] == 2
    assert proxy.counts["429"] == 6
    assert proxy.retry_after_total_s == pytest.approx(3 * 2 + 3 * 1.5)
    assert proxy.faults_by_endpoint[("429", "asample")] == 6


async def test_a_burst_ends_after_its_length() -> None:
    plan = ProxyPlan(seed=2, burst_chance=0.5, burst_length=2, max_faults=2)
    async with upstream_server() as upstream, FaultProxy(upstream.url, plan) as proxy:
        statuses = [(await _post(f"{proxy.url}/api/v1/x"))[0] for _ in range(8)]
    first = statuses.index(429)
    assert statuses[first : first + 2] == [429, 429]
    assert statuses.count(429) == 2  # max_faults caps the injected faults
    assert len(upstream.seen) == 6


async def test_reset_before_never_reaches_the_server() -> None:
    plan = ProxyPlan(reset_before=1.0)
    async with upstream_server() as upstream, FaultProxy(upstream.url, plan) as proxy:
        with pytest.raises(aiohttp.ClientError):
            await _post(f"{proxy.url}/api/v1/optim_step")
    assert upstream.seen == []
    assert proxy.counts["reset_before"] == 1


async def test_reset_after_reaches_the_server_but_not_the_client() -> None:
    plan = ProxyPlan(reset_after=1.0)
    async with upstream_server() as upstream, FaultProxy(upstream.url, plan) as proxy:
        with pytest.raises(aiohttp.ClientError):
            await _post(f"{proxy.url}/api/v1/optim_step", b"step-1")
    assert [(m, p, b) for m, p, _, b in upstream.seen] == [
        ("POST", "/api/v1/optim_step", b"step-1")
    ]
    assert proxy.counts["reset_after"] == 1


async def test_faults_only_on_the_listed_paths() -> None:
    plan = ProxyPlan(reset_before=1.0, paths=("asample",))
    async with upstream_server() as upstream, FaultProxy(upstream.url, plan) as proxy:
        assert (await _post(f"{proxy.url}/api/v1/optim_step"))[0] == 201
        with pytest.raises(aiohttp.ClientError):
            await _post(f"{proxy.url}/api/v1/asample")
    assert len(upstream.seen) == 1


async def test_an_upstream_that_drops_the_connection_is_passed_on_as_a_reset() -> None:
    async with upstream_server() as upstream:
        dead = upstream.url
    async with FaultProxy(dead, ProxyPlan()) as proxy:
        with pytest.raises(aiohttp.ClientError):
            await _post(f"{proxy.url}/api/v1/x")
    assert proxy.counts["upstream_dropped"] == 1


async def test_the_proxy_stops_by_itself_after_its_lifetime() -> None:
    async with upstream_server() as upstream:
        proxy = FaultProxy(upstream.url, ProxyPlan(), lifetime_s=0.2)
        await proxy.start()
        try:
            assert (await _post(f"{proxy.url}/api/v1/x"))[0] == 201
            await asyncio.sleep(0.5)
            with pytest.raises(aiohttp.ClientError):
                await _post(f"{proxy.url}/api/v1/x")
        finally:
            await proxy.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [("burst_chance", 1.5), ("reset_before", -0.1), ("burst_length", 0), ("retry_after_ms", 0)],
)
def test_bad_plans_are_rejected_with_the_field_named(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        ProxyPlan(**{field: value})  # type: ignore[arg-type]


def test_an_unknown_header_style_is_rejected() -> None:
    with pytest.raises(ValueError, match="retry_after_header"):
        ProxyPlan(retry_after_header="minutes")
