"""AiohttpStreamingTransport: chunks as they arrive, decoding, and connection release."""

from __future__ import annotations

import asyncio
import gzip
from typing import TYPE_CHECKING

import aiohttp
import pytest
import zstandard
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses
from aioresponses_compat import CompatResponse

from tinkex.adapters.aiohttp_streaming import AiohttpStreamingTransport, ChunkStream
from tinkex.adapters.aiohttp_transport import AiohttpTransport
from tinkex.errors import APIConnectionError, ClosedError
from tinkex.ports.transport import HttpRequest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

URL = "http://127.0.0.1:8080/api/v1/stream_sample"
EVENTS = b"".join(f"event: token\ndata: {i}\n\n".encode() for i in range(200))


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as mock:
        yield mock


@pytest.fixture
async def streaming() -> AsyncIterator[AiohttpStreamingTransport]:
    streaming = AiohttpStreamingTransport()
    yield streaming
    await streaming.aclose()


async def _read_all(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_stream_yields_the_whole_body_then_releases(
    mocked: aioresponses, streaming: AiohttpStreamingTransport
) -> None:
    """Status and headers come first; the chunks add up to the body."""
    mocked.post(
        URL,
        body=EVENTS,
        content_type="text/event-stream",
        headers={"X-Stream": "1"},
        response_class=CompatResponse,
    )
    response = await streaming.open_stream(HttpRequest(method="POST", url=URL, body=b"{}"))
    assert response.status == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["x-stream"] == "1"
    chunks = response.chunks
    assert isinstance(chunks, ChunkStream)
    assert await _read_all(chunks) == EVENTS
    assert chunks._response.closed
    assert await _read_all(chunks) == b""


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("zstd", zstandard.ZstdCompressor().compress), ("gzip", gzip.compress)],
)
async def test_compressed_streams_are_decoded(
    mocked: aioresponses,
    streaming: AiohttpStreamingTransport,
    encoding: str,
    compress: Callable[[bytes], bytes],
) -> None:
    """A zstd or gzip stream yields decompressed bytes."""
    mocked.get(
        URL,
        body=compress(EVENTS),
        headers={"Content-Encoding": encoding},
        response_class=CompatResponse,
    )
    response = await streaming.open_stream(HttpRequest(method="GET", url=URL))
    assert await _read_all(response.chunks) == EVENTS


async def test_closing_early_closes_the_response(
    mocked: aioresponses, streaming: AiohttpStreamingTransport
) -> None:
    """aclose before the end drops the response and ends iteration."""
    mocked.get(URL, body=EVENTS, response_class=CompatResponse)
    response = await streaming.open_stream(HttpRequest(method="GET", url=URL))
    chunks = response.chunks
    assert isinstance(chunks, ChunkStream)
    await chunks.aclose()
    await chunks.aclose()
    assert chunks._response.closed
    assert await _read_all(chunks) == b""


async def test_failure_before_headers_is_a_connection_error(
    mocked: aioresponses, streaming: AiohttpStreamingTransport
) -> None:
    """No response at all is reported as APIConnectionError."""
    mocked.get(URL, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(APIConnectionError):
        await streaming.open_stream(HttpRequest(method="GET", url=URL))


async def test_shared_transport_is_left_open_and_closed_one_refuses() -> None:
    """A streaming transport over a shared transport leaves it to its owner."""
    shared = AiohttpTransport()
    streaming = AiohttpStreamingTransport(shared)
    await streaming.aclose()
    assert not shared.closed
    await shared.aclose()
    with pytest.raises(ClosedError):
        await streaming.open_stream(HttpRequest(method="GET", url=URL))


async def test_chunks_arrive_before_the_body_ends() -> None:
    """On a loopback server, the first chunk is delivered while the server still waits."""
    client_saw_first = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        await asyncio.wait_for(client_saw_first.wait(), timeout=5)
        await response.write(b"data: second\n\n")
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/stream", handler)
    async with TestServer(app, host="127.0.0.1") as server:
        streaming = AiohttpStreamingTransport()
        url = f"http://127.0.0.1:{server.port}/stream"
        try:
            response = await streaming.open_stream(HttpRequest(method="GET", url=url))
            first = await anext(response.chunks)
            assert first == b"data: first\n\n"
            client_saw_first.set()
            assert await _read_all(response.chunks) == b"data: second\n\n"
        finally:
            await streaming.aclose()


async def test_cancelled_read_drops_the_connection_and_the_pool_stays_usable() -> None:
    """Cancelling a chunk read closes that response; the next request still succeeds."""
    release = asyncio.Event()

    async def stalled(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"partial")
        await release.wait()
        return response

    async def ok(request: web.Request) -> web.Response:
        return web.Response(body=b"fine")

    app = web.Application()
    app.router.add_get("/stalled", stalled)
    app.router.add_get("/ok", ok)
    async with TestServer(app, host="127.0.0.1") as server:
        transport = AiohttpTransport(limit=1)
        streaming = AiohttpStreamingTransport(transport)
        base = f"http://127.0.0.1:{server.port}"
        try:
            response = await streaming.open_stream(HttpRequest(method="GET", url=base + "/stalled"))
            chunks = response.chunks
            assert isinstance(chunks, ChunkStream)
            assert await anext(chunks) == b"partial"
            reader = asyncio.ensure_future(anext(chunks))
            await asyncio.sleep(0.02)
            reader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reader
            assert chunks._response.closed
            after = await transport.send(HttpRequest(method="GET", url=base + "/ok", timeout_s=2))
            assert after.body == b"fine"
        finally:
            release.set()
            await transport.aclose()
