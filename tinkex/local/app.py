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

from tinkex.local.bodies import too_large
from tinkex.local.reply import HttpError
from tinkex.local.service import ConnectionDropped

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.local.service import LocalBackend

__all__ = ["RUNNER_OPTIONS", "make_app", "serve"]

# Request bodies reach the backend untouched: it decodes them itself, within its limits.
RUNNER_OPTIONS: dict[str, object] = {"auto_decompress": False}


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as more than `limit` bytes arrived.

    aiohttp's own reader stops at the application's ``client_max_size`` (set to `limit`) and
    caches the bytes, so middlewares that read the body first see the same bytes.
    """
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise too_large(f"a body of more than {limit} bytes", limit) from exc


def make_app(backend: LocalBackend) -> web.Application:
    """An aiohttp application answering every path through `backend`.

    Serve it with ``web.AppRunner(app, **RUNNER_OPTIONS)`` (or `serve`), so that compressed
    request bodies are passed through as sent.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        # Refuse on the head alone (no key, announced size too large) before reading the
        # body; aiohttp then drains the unread rest in bounded chunks, so the client still
        # gets the answer.
        refused = backend.admit(request.method, request.path, request.headers)
        if refused is not None:
            return web.Response(status=refused[0], headers=refused[1], body=refused[2])
        try:
            body = await _read_body(request, backend.max_body_bytes)
        except HttpError as exc:
            reply = exc.to_reply()
            return web.Response(status=reply.status, headers=reply.headers, body=reply.body)
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

    app = web.Application(client_max_size=backend.max_body_bytes)
    app.router.add_route("*", "/{tail:.*}", handle)

    async def watch_sessions(_: web.Application) -> None:
        backend.watch_sessions()

    app.on_startup.append(watch_sessions)

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
