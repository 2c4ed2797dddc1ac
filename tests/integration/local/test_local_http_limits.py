"""Over real HTTP on 127.0.0.1: one request cannot exhaust the embedded backend.

Every hostile request gets a 4xx (never a 500), the server keeps serving, and its memory stays
bounded: one test runs ``python -m tinkex.local serve`` as its own process and reads that
process's peak RSS from ``/proc``.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import zstandard
from aiohttp.test_utils import TestServer

from tinkex.domain.limits import MAX_DECOMPRESSED_BODY_BYTES, MAX_REQUEST_BODY_BYTES
from tinkex.local import BackendConfig, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

KEY = "tml-integration"
HEADERS = {"X-API-Key": KEY}
PROMPT = {"chunks": [{"type": "encoded_text", "tokens": [104, 105]}]}
_PROC_STATUS = Path("/proc/self/status")


def _memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


async def _served(backend: LocalBackend) -> TestServer:
    server = TestServer(make_app(backend))
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    return server


async def _head_only(base: str, head: str) -> bytes:
    """Send a request head announcing a body, send almost none of it, return the answer."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.encode() + b'{"a":')
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
    finally:
        writer.close()


@pytest.fixture
async def small_server(tmp_path: Path) -> AsyncIterator[str]:
    config = BackendConfig(max_request_body_bytes=64 << 10, session_ttl_s=None)
    server = await _served(LocalBackend(tmp_path, config=config))
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_keyless_and_oversized_bodies_are_refused_before_they_are_read(
    small_server: str,
) -> None:
    """The answer comes while the announced body has not been sent: it was never awaited."""
    hundred_mb = 100 << 20
    keyless = await _head_only(
        small_server,
        f"POST /api/v1/asample HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {hundred_mb}\r\n\r\n",
    )
    assert keyless.startswith(b"HTTP/1.1 401"), keyless
    oversized = await _head_only(
        small_server,
        f"POST /api/v1/asample HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\n"
        f"Content-Length: {hundred_mb}\r\n\r\n",
    )
    assert oversized.startswith(b"HTTP/1.1 413"), oversized
    async with aiohttp.ClientSession(headers=HEADERS) as client:
        # A chunked body announces no size: reading stops once it passes the limit.
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(100):
                yield b" " * 4096

        async with client.post(small_server + "/api/v1/create_session", data=chunks()) as reply:
            assert reply.status == 413
            assert "exceeds the limit of 65536 bytes" in (await reply.json())["detail"]
        async with client.get(small_server + "/api/v1/healthz") as reply:
            assert reply.status == 200


async def test_a_silent_http_client_still_expires_on_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Over HTTP the server's loop is alive while the client is silent: no stall to forgive."""
    caplog.set_level(logging.WARNING, logger="tinkex.local")
    server = await _served(LocalBackend(tmp_path, config=BackendConfig(session_ttl_s=0.3)))
    base = str(server.make_url("")).rstrip("/") + "/api/v1"
    async with aiohttp.ClientSession(headers=HEADERS) as client:

        async def post(path: str, body: object) -> tuple[int, Any]:
            async with client.post(base + path, json=body) as reply:
                return reply.status, await reply.json()

        _, created = await post("/create_session", {"tags": [], "sdk_version": "x"})
        session = created["session_id"]
        for _ in range(6):  # a heartbeating client stays alive well past the TTL
            await asyncio.sleep(0.1)
            assert (await post("/session_heartbeat", {"session_id": session}))[0] == 200
        for _ in range(100):  # then silence: the sweeper expires it (bounded wait)
            await asyncio.sleep(0.05)
            if any(r.name == "tinkex.local" for r in caplog.records):
                break
        [record] = [r for r in caplog.records if r.name == "tinkex.local"]
        assert record.levelno == logging.WARNING
        assert f"session {session} expired: no heartbeat for" in record.getMessage()
        status, reply = await post("/session_heartbeat", {"session_id": session})
        assert status == 410
        assert re.fullmatch(
            rf"session {session} expired: no heartbeat for [\d.]+ s \(session TTL 0.3 s\)",
            reply["detail"],
        )
    await server.close()


def _zstd_bomb(expanded: int) -> bytes:
    frame = 64 << 20
    return zstandard.ZstdCompressor(level=3).compress(b"\0" * frame) * (expanded // frame)


def _gzip_bomb(expanded: int) -> bytes:
    member = 16 << 20
    return gzip.compress(b"\0" * member, compresslevel=9) * (expanded // member)


@pytest.fixture
async def served_process(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """``python -m tinkex.local serve`` in its own process (so its memory is its own)."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tinkex.local", "serve", "--port", "0", "--null-model"),
        *("--data-dir", str(tmp_path / "data")),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        found = re.search(rb"http://[\d.]+:\d+", line)
        assert found is not None, line
        yield found.group().decode(), process.pid
    finally:
        process.terminate()
        _, errors = await asyncio.wait_for(process.communicate(), 10)
        assert b"Traceback" not in errors, errors.decode(errors="replace")


async def test_hostile_requests_get_4xx_and_server_memory_stays_bounded(
    served_process: tuple[str, int],
) -> None:
    base, pid = served_process
    api = base + "/api/v1"
    async with aiohttp.ClientSession(headers=HEADERS) as client:

        async def send(path: str, body: object, **headers: str) -> tuple[int, str]:
            data = io.BytesIO(body) if isinstance(body, bytes) else None
            json_body = None if isinstance(body, bytes) else body
            async with client.post(api + path, data=data, json=json_body, headers=headers) as r:
                return r.status, await r.text()

        _, created = await send("/create_session", {"tags": [], "sdk_version": "x"})
        session = re.search(r"sess-[0-9a-f]+", created)
        assert session is not None
        sampler_body = {
            "session_id": session.group(),
            "sampling_session_seq_id": 0,
            "base_model": "m",
        }
        status, text = await send("/create_sampling_session", sampler_body)
        assert status == 200, text
        sampler = f"{session.group()}:sample:0"
        model_body = {"session_id": session.group(), "model_seq_id": 0, "base_model": "m"}
        assert (await send("/create_model", model_body))[0] == 200
        model = f"{session.group()}:train:0"

        def sample(**fields: Any) -> dict[str, Any]:
            body: dict[str, Any] = {"sampling_session_id": sampler, "prompt": PROMPT}
            body["sampling_params"] = {"max_tokens": 4}
            return body | fields

        assert (await send("/asample", sample(num_samples=4)))[0] == 200  # warm-up
        baseline = _memory_kib(pid)["VmRSS"]
        proto = {"Content-Type": "application/x-protobuf", "Content-Encoding": "zstd"}
        hostile: list[tuple[str, object, dict[str, str], int, str]] = [
            ("/asample", sample(num_samples=10_000_000), {}, 400, "body.num_samples"),
            ("/asample", sample(topk_prompt_logprobs=10**9), {}, 400, "topk_prompt_logprobs"),
            ("/asample", sample(prompt_alt_tokens_k=10**9), {}, 400, "prompt_alt_tokens_k"),
            ("/asample", sample(sampling_params={"max_tokens": 10**9}), {}, 400, "max_tokens"),
            ("/asample", sample(seq_id=10**30), {}, 400, "body.seq_id"),
            (
                "/asample",
                sample(prompt={"chunks": [{"type": "encoded_text", "tokens": [2**40]}]}),
                {},
                400,
                "token id",
            ),
            (
                "/optim_step",
                {"model_id": model, "adam_params": {"learning_rate": 1e308}},
                {},
                400,
                "learning_rate",
            ),
            ("/load_weights", {"model_id": model, "path": "tinker://../x/y"}, {}, 400, "path"),
            ("/forward_backward", _zstd_bomb(8 << 30), proto, 413, "decoded (zstd) body"),
            (
                "/asample",
                _gzip_bomb(MAX_DECOMPRESSED_BODY_BYTES + (64 << 20)),
                {"Content-Encoding": "gzip", "Content-Type": "application/json"},
                413,
                "decoded (gzip) body",
            ),
            ("/asample", b"[" * 100_000 + b"]" * 100_000, {}, 400, "deeper than the limit"),
            ("/asample", b" " * (64 << 20), {"X-API-Key": ""}, 401, "X-API-Key"),
        ]
        for path, body, headers, expected, named in hostile:
            status, text = await send(path, body, **headers)
            assert (status, named in text) == (expected, True), (path, status, text[:300])
        async with client.get(api + "/healthz") as reply:
            assert reply.status == 200
        assert (await send("/asample", sample(num_samples=2)))[0] == 200
        memory = _memory_kib(pid)
    # An 8 GiB zstd and a 576 MiB gzip expansion, 10^7 samples, a 64 MiB keyless body: the
    # server's peak stays within a generous 256 MiB of where it started.
    assert memory["VmHWM"] - baseline < 256 << 10, (baseline, memory)
    assert MAX_REQUEST_BODY_BYTES > 64 << 20  # the keyless body was refused for its key alone
