"""A start that fails or is cancelled leaves nothing open, and a half-built client still reprs.

Real aiohttp sessions against loopback servers: an unclosed session warns when it is
collected, and pytest turns warnings into errors, so `gc.collect()` at the end of each test is
the check that the failed start released its connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.clients.service import ServiceClient
from tinkex.errors import AuthenticationError, ClosedError, ConfigError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable


@contextlib.asynccontextmanager
async def _loopback(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def _unauthorized(request: web.Request) -> web.Response:
    return web.json_response({"detail": "invalid API key"}, status=401)


async def test_a_start_refused_with_401_closes_the_client_and_its_sessions() -> None:
    async with _loopback(_unauthorized) as url:
        service = ServiceClient(base_url=url, api_key="tml-wrong", telemetry=False, env={})
        with pytest.raises(AuthenticationError):
            async with service:
                pytest.fail("the start cannot succeed")
        assert service.closed
        with pytest.raises(ClosedError, match=r"start failed \(AuthenticationError\)"):
            await service.create_lora_training_client("tinkex/tiny-byte-lm")
        assert "started=False" in repr(service)
    gc.collect()


async def test_a_start_cancelled_by_a_timeout_closes_its_sessions() -> None:
    arrived = asyncio.Event()

    async def silent(request: web.Request) -> web.Response:
        arrived.set()
        await asyncio.sleep(30)
        return web.json_response({})

    async with _loopback(silent) as url:
        service = ServiceClient(base_url=url, api_key="tml-test", telemetry=False, env={})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(service.__aenter__(), 0.5)
        assert arrived.is_set()  # the connection was open when the start was cancelled
        assert service.closed
        with pytest.raises(ClosedError, match="CancelledError"):
            await service.start()
    gc.collect()


def test_a_client_whose_constructor_failed_still_has_a_repr() -> None:
    """Debuggers and `--showlocals` repr the half-built `self` of a failed constructor."""
    with pytest.raises(ConfigError) as info:
        ServiceClient(api_key="not-a-key", base_url="http://127.0.0.1:9", env={})
    half_built = [
        entry.locals["self"]
        for entry in info.traceback
        if isinstance(entry.locals.get("self"), ServiceClient)
    ]
    assert half_built
    assert repr(half_built[0]) == "<ServiceClient (not configured)>"
