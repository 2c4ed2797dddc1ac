"""The backend over real HTTP with aiohttp.web.

```python
backend = LocalBackend(Path("/tmp/tinkex"))
await serve(backend, "127.0.0.1", 8000)   # runs until cancelled
```
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from tinkex.local.service import ConnectionDropped

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.local.service import LocalBackend

__all__ = ["RUNNER_OPTIONS", "make_app", "serve"]

# Request bodies reach the backend untouched: it decodes zstd forward_backward bodies itself.
RUNNER_OPTIONS: dict[str, object] = {"auto_decompress": False}
_MAX_BODY = 1 << 30


def make_app(backend: LocalBackend) -> web.Application:
    """An aiohttp application answering every path through `backend`.

    Serve it with ``web.AppRunner(app, **RUNNER_OPTIONS)`` (or `serve`), so that compressed
    request bodies are passed through as sent.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            status, headers, payload = await backend.handle(
                request.method, request.path, dict(request.query), dict(request.headers), body
            )
        except ConnectionDropped:
            # Simulate a lost connection: the request was processed but no answer leaves.
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError from None
        return web.Response(status=status, headers=headers, body=payload)

    app = web.Application(client_max_size=_MAX_BODY)
    app.router.add_route("*", "/{tail:.*}", handle)

    async def close_backend(_: web.Application) -> None:
        await backend.aclose()

    app.on_cleanup.append(close_backend)
    return app


async def serve(
    backend: LocalBackend,
    host: str,
    port: int,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve `backend` on ``host:port`` until cancelled, then shut down cleanly.

    Args:
        backend: The backend.
        host: Interface to bind.
        port: Port to bind (0 picks a free one).
        on_ready: Called with the base URL once the socket listens.
    """
    runner = web.AppRunner(make_app(backend), auto_decompress=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        if on_ready is not None:
            bound = runner.addresses[0]
            on_ready(f"http://{bound[0]}:{bound[1]}")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
