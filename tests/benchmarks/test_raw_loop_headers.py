"""The raw aiohttp loop sends the requests tinkex sends, headers included.

Its rows are the floor of "the same requests" (benchmarks/RESULTS.md): a raw loop that left
out the wire's headers measured cheaper requests than any Tinker client sends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.test_utils import TestServer

from benchmarks.workers import common, raw_worker
from benchmarks.workers.wire_headers import WireHeaders
from tinkex import ServiceClient, types
from tinkex.local import LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Values that differ per request or per client build, compared by name only.
PER_REQUEST = {"x-idempotency-key", "x-tinker-create-promise-roundtrip-time"}
IGNORED = {"host", "content-length"}


async def _headers_of_one_sample(tmp_path: Path, client: str) -> dict[str, dict[str, str]]:
    """The headers of the ``asample`` and first ``retrieve_future`` of one sample."""
    seen: dict[str, dict[str, str]] = {}

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        name = request.path.rsplit("/", 1)[-1]
        if name in ("asample", "retrieve_future") and name not in seen:
            seen[name] = {k.lower(): v for k, v in request.headers.items()}
        return await handler(request)

    app = make_app(LocalBackend(tmp_path / client, null_model=True))
    app.middlewares.append(record)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    url = str(server.make_url("")).rstrip("/")
    try:
        if client == "tinkex":
            async with ServiceClient(base_url=url, api_key=common.API_KEY, telemetry=False) as svc:
                sampler = await svc.create_sampling_client(base_model=common.BASE_MODEL)
                prompt = types.ModelInput.from_ints([1, 2, 3])
                await sampler.sample(prompt, 1, types.SamplingParams(max_tokens=2))
        else:
            headers = WireHeaders(common.API_KEY)
            async with raw_worker.open_session(4, headers) as session:
                raw = raw_worker.Raw(session, url, headers)
                sampling_session_id = await raw.sampling_session_id()
                await raw_worker.sampler(raw, sampling_session_id, 3, 2)()
    finally:
        await server.close()
    return seen


async def test_the_raw_loop_sends_tinkexs_headers_for_a_sample(tmp_path: Path) -> None:
    tinkex = await _headers_of_one_sample(tmp_path, "tinkex")
    raw = await _headers_of_one_sample(tmp_path, "raw")
    assert set(tinkex) == set(raw) == {"asample", "retrieve_future"}
    for request in ("asample", "retrieve_future"):
        names = set(tinkex[request]) - IGNORED
        assert set(raw[request]) - IGNORED == names, request
        same = {n: tinkex[request][n] for n in names - PER_REQUEST}
        assert {n: raw[request][n] for n in names - PER_REQUEST} == same, request
    assert len(tinkex["asample"]) > 15  # the wire's full set, not a minimal one
