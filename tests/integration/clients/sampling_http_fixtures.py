"""Loopback HTTP servers for SamplingClient tests, and the worker run in a spawned process.

`serve` exposes an embedded backend on 127.0.0.1 with `make_app`. Because the embedded backend
streams all at once, `serve(..., stream="sse")` puts its own route in front of it: it samples
through the backend's own ``asample``/``retrieve_future`` and writes one server-sent event
per token, flushing each, so streaming is tested against the backend's real tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import pickle
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from aiohttp.test_utils import TestServer

from tinkex.domain.types import ModelInput, SamplingParams
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"
API_KEY = "tml-sampling-http"
PROMPT = ModelInput.from_ints([84, 104, 101, 32, 103])
PARAMS = SamplingParams(max_tokens=5, seed=11)
StreamMode = Literal["none", "sse", "json"]


def http_backend(tmp_path: Path, *, join_sessions: bool = False) -> LocalBackend:
    """An embedded backend with short long-polls and no session expiry.

    Args:
        tmp_path: Its data directory.
        join_sessions: Turn on the ``sample_join_sampling_session`` client flag.
    """
    flags = {"sample_join_sampling_session": True} if join_sessions else {}
    return LocalBackend(
        tmp_path,
        config=BackendConfig(poll_timeout_s=1.0, session_ttl_s=None, client_flags=flags),
    )


async def _backend_json(
    local: LocalBackend, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    status, _, payload = await local.handle(
        "POST", path, {}, {**headers, "accept": "application/json"}, json.dumps(body).encode()
    )
    assert status == 200, payload
    result: dict[str, Any] = json.loads(payload)
    return result


async def _sse(
    local: LocalBackend, request: web.Request, gate: asyncio.Event | None
) -> web.StreamResponse:
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = await request.json()
    submitted = await _backend_json(local, "/api/v1/asample", body, headers)
    result: dict[str, Any] = {"type": "try_again"}
    for _ in range(50):  # each poll long-polls up to 1 s
        result = await _backend_json(
            local, "/api/v1/retrieve_future", {"request_id": submitted["request_id"]}, headers
        )
        if result.get("type") != "try_again":
            break
    sequence = result["sequences"][0]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b": a comment the decoder skips\n\n")
    for index, (token, logprob) in enumerate(
        zip(sequence["tokens"], sequence["logprobs"], strict=True)
    ):
        data = {"token": chr(token) if token < 256 else "", "token_id": token, "index": index}
        data["logprob"] = logprob
        await response.write(f"event: token\ndata: {json.dumps(data)}\n\n".encode())
        if gate is not None and index == 0:
            await gate.wait()  # the client must see the first token before the rest exists
    done = {"finish_reason": sequence["stop_reason"], "total_tokens": len(sequence["tokens"])}
    await response.write(f"event: done\ndata: {json.dumps(done)}\n\n".encode())
    await response.write_eof()
    return response


def _stream_middleware(local: LocalBackend, mode: StreamMode, gate: asyncio.Event | None) -> Any:
    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not request.path.endswith("/api/v1/stream_sample"):
            return await handler(request)
        if mode == "none":  # a server that does not offer streaming
            return web.json_response({"detail": "Not Found"}, status=404)
        if mode == "json":
            return web.json_response({"sequences": []})
        return await _sse(local, request, gate)

    return middleware


@contextlib.asynccontextmanager
async def serve(
    local: LocalBackend, *, stream: StreamMode = "none", gate: asyncio.Event | None = None
) -> AsyncIterator[str]:
    """Serve `local` on 127.0.0.1 and yield its base URL.

    Args:
        local: The backend.
        stream: How ``stream_sample`` answers: not at all (404), SSE, or plain JSON.
        gate: When given, the SSE stream pauses after the first token until it is set.
    """
    app = make_app(local)
    app.middlewares.append(_stream_middleware(local, stream, gate))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def sample_in_worker(pickled: bytes) -> tuple[list[list[int]], list[str | None], str]:
    """Run in a spawned process: unpickle a SamplingClient, sample, close it.

    Returns:
        The sampled tokens, the sequence ids and the handle of the rebuilt client.
    """
    from tinkex.clients.sampling import SamplingClient

    async def main() -> tuple[list[list[int]], list[str | None], str]:
        client = pickle.loads(pickled)
        assert isinstance(client, SamplingClient)
        async with client:
            response = await asyncio.wait_for(client.sample(PROMPT, 2, PARAMS), 20)
        return (
            [seq.tokens for seq in response.sequences],
            [seq.sequence_id for seq in response.sequences],
            client.get_sampler_handle(),
        )

    return asyncio.run(main())
