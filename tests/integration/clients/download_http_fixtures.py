"""The embedded backend on 127.0.0.1 behind a front end that logs and disturbs signed downloads.

`DownloadServer` answers every request through `LocalBackend.handle`, as ``tinkex serve``
does, and records each ``/local/signed/...`` request (its ``Range``/``If-Range`` and the
status served) in `log`. Per signed request (counted from 0, after the first `skip`
ones, which pass untouched and unlogged) a test can cut the body after
some bytes (the connection closes mid-file), rewrite the answer, move the backend's clock
(so the URL is expired when checked), or hide ``Range`` from the backend (a server without
range support).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.adapters.clock import SystemClock
from tinkex.bootstrap.compose import compose
from tinkex.clients.rest import RestClient
from tinkex.config import load_config
from tinkex.local import LocalBackend
from tinkex.local.signing import SIGNED_PREFIX

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
    from pathlib import Path

__all__ = [
    "Answer",
    "DownloadServer",
    "LoggedRequest",
    "ShiftedClock",
    "ThreadLoop",
    "download_server",
    "threaded_download_server",
]

T = TypeVar("T")

Answer = tuple[int, dict[str, str], bytes]
"""``(status, headers, body)`` as the backend gives it."""


def _unchanged(answer: Answer) -> Answer:
    return answer


class ShiftedClock(SystemClock):
    """The real clock moved `shift` seconds ahead (the backend's: expires signed URLs)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def time(self) -> float:
        return time.time() + self.shift


@dataclass(frozen=True)
class LoggedRequest:
    """One signed request as the server saw it."""

    range: str | None
    if_range: str | None
    status: int
    credential: bool = False
    """Whether it carried an API key, ``Authorization`` or cookie (it must not)."""


@dataclass
class DownloadServer:
    """The front end's state: its log and the disturbances planned per signed request."""

    backend: LocalBackend
    clock: ShiftedClock
    url: str = ""
    log: list[LoggedRequest] = field(default_factory=list)
    cut_after: dict[int, int] = field(default_factory=dict)
    rewrite: dict[int, Callable[[Answer], Answer]] = field(default_factory=dict)
    expire_before: set[int] = field(default_factory=set)
    ignore_range: bool = False
    chunked: bool = False
    skip: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer through the backend, disturbing signed downloads as planned."""
        headers = dict(request.headers)
        signed = request.path.startswith(SIGNED_PREFIX)
        if signed and self.skip > 0:  # a file before the one the test disturbs
            self.skip -= 1
            signed = False
        index = len(self.log)
        if signed and index in self.expire_before:
            self.clock.shift += 100_000.0
        if signed and self.ignore_range:
            headers = {k: v for k, v in headers.items() if k.lower() not in ("range", "if-range")}
        body = await request.read()
        answer = await self.backend.handle(
            request.method, request.path, dict(request.query), headers, body
        )
        if not signed:
            return web.Response(status=answer[0], headers=answer[1], body=answer[2])
        status, out_headers, payload = self.rewrite.get(index, _unchanged)(answer)
        credential = any(h in request.headers for h in ("X-API-Key", "Authorization", "Cookie"))
        self.log.append(
            LoggedRequest(
                request.headers.get("Range"), request.headers.get("If-Range"), status, credential
            )
        )
        if index in self.cut_after:
            return await self._cut(request, status, out_headers, payload, self.cut_after[index])
        if self.chunked:
            response = web.StreamResponse(status=status, headers=out_headers)
            response.enable_chunked_encoding()
            await response.prepare(request)
            await response.write(payload)
            await response.write_eof()
            return response
        return web.Response(status=status, headers=out_headers, body=payload)

    @staticmethod
    async def _cut(
        request: web.Request, status: int, headers: dict[str, str], payload: bytes, sent: int
    ) -> web.StreamResponse:
        # Announce the whole body, send its start, then close: the client sees a dropped
        # connection mid-file.
        response = web.StreamResponse(
            status=status, headers={**headers, "content-length": str(len(payload))}
        )
        await response.prepare(request)
        await response.write(payload[:sent])
        assert request.transport is not None
        request.transport.close()
        raise asyncio.CancelledError


@contextlib.asynccontextmanager
async def download_server(data_dir: Path) -> AsyncIterator[tuple[DownloadServer, RestClient]]:
    """A `DownloadServer` on 127.0.0.1 and a REST client talking to it over the socket."""
    clock = ShiftedClock()
    backend = LocalBackend(data_dir, clock=clock)
    front = DownloadServer(backend, clock)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", front.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    front.url = str(server.make_url("")).rstrip("/")
    config = load_config(base_url=front.url, api_key="tml-resume-test", env={}, telemetry=False)
    remote = compose(config)
    try:
        await remote.start(create_session=False)
        yield front, RestClient(remote.invoker)
    finally:
        await remote.aclose()
        await server.close()
        await backend.aclose()


@contextlib.contextmanager
def threaded_download_server(data_dir: Path) -> Iterator[tuple[DownloadServer, ThreadLoop]]:
    """A `download_server` on its own event loop in a thread (for code that runs its own loop,
    such as the CLI's `main`); the loop runs coroutines for the test too."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="download-server", daemon=True)
    thread.start()
    stack = contextlib.AsyncExitStack()

    async def start() -> DownloadServer:
        front, _ = await stack.enter_async_context(download_server(data_dir))
        return front

    runner = ThreadLoop(loop)
    try:
        yield runner.run(start()), runner
    finally:
        runner.run(stack.aclose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass(frozen=True)
class ThreadLoop:
    """Runs coroutines on a loop in another thread, waiting for each (bounded)."""

    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """The coroutine's result (within 60 s)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)
