"""AiohttpConnectionPool: one lazily created transport per kind, limits, reverse close."""

from __future__ import annotations

import msgspec
import pytest
from aioresponses import aioresponses
from aioresponses_compat import CompatResponse

from tinkex.adapters.aiohttp_pool import AiohttpConnectionPool, PoolLimits
from tinkex.errors import ClosedError
from tinkex.ports.transport import HttpRequest, PoolKind

URL = "http://127.0.0.1:8080/api/v1/healthz"


def test_default_limits_follow_the_traffic_classes() -> None:
    """Defaults: session 50, train 100, sample/retrieve 100, telemetry/redirect 10, auth 1."""
    limits = PoolLimits()
    assert {kind: limits.for_kind(kind) for kind in PoolKind} == {
        PoolKind.SESSION: 50,
        PoolKind.TRAIN: 100,
        PoolKind.SAMPLE: 100,
        PoolKind.RETRIEVE: 100,
        PoolKind.TELEMETRY: 10,
        PoolKind.REDIRECT: 10,
        PoolKind.AUTH: 1,
    }


def test_limits_reject_unknown_keys() -> None:
    """PoolLimits decoded from configuration refuses misspelt kinds."""
    with pytest.raises(msgspec.ValidationError, match="smaple"):
        msgspec.convert({"smaple": 5}, PoolLimits)


async def test_one_transport_per_kind_with_its_limit() -> None:
    """Each kind gets its own transport, created once, with its own limit."""
    pool = AiohttpConnectionPool(PoolLimits(sample=7, train=3))
    try:
        sample = pool.transport_for(PoolKind.SAMPLE)
        assert pool.transport_for(PoolKind.SAMPLE) is sample
        assert sample.limit == 7
        assert pool.transport_for(PoolKind.TRAIN).limit == 3
        assert pool.transport_for(PoolKind.TRAIN) is not sample
        assert not sample.follow_redirects
        assert pool.transport_for(PoolKind.REDIRECT).follow_redirects
        assert pool.streaming_for(PoolKind.SAMPLE) is pool.streaming_for(PoolKind.SAMPLE)
    finally:
        await pool.aclose()


async def test_send_routes_by_the_request_pool() -> None:
    """pool.send uses the transport of request.pool."""
    pool = AiohttpConnectionPool()
    try:
        with aioresponses() as mocked:
            mocked.get(URL, body=b"ok", response_class=CompatResponse)
            response = await pool.send(HttpRequest(method="GET", url=URL, pool=PoolKind.TELEMETRY))
        assert response.body == b"ok"
        assert list(pool._transports) == [PoolKind.TELEMETRY]
    finally:
        await pool.aclose()


async def test_close_runs_in_reverse_creation_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """aclose closes the most recently created transport first, then refuses new lookups."""
    pool = AiohttpConnectionPool()
    closed: list[PoolKind] = []
    for kind in (PoolKind.SESSION, PoolKind.SAMPLE, PoolKind.RETRIEVE):
        transport = pool.transport_for(kind)

        async def record(kind: PoolKind = kind, original: object = transport.aclose) -> None:
            closed.append(kind)
            assert callable(original)
            await original()

        monkeypatch.setattr(transport, "aclose", record)
    created = [pool.transport_for(kind) for kind in (PoolKind.SESSION, PoolKind.SAMPLE)]
    await pool.aclose()
    await pool.aclose()
    assert closed == [PoolKind.RETRIEVE, PoolKind.SAMPLE, PoolKind.SESSION]
    assert all(transport.closed for transport in created)
    with pytest.raises(ClosedError):
        pool.transport_for(PoolKind.SESSION)
