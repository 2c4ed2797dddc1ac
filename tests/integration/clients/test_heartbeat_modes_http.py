"""ServiceClient(heartbeat=...) over HTTP on 127.0.0.1: a thread that outlives a blocked loop,
or no thread at all.

The backend runs on a thread with its own event loop, so it keeps answering while the test
blocks the client's loop (as a long synchronous step in user code would).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import TYPE_CHECKING

import msgspec
import pytest

from tinkex.clients.service import ServiceClient
from tinkex.errors import GoneError
from tinkex.local import BackendConfig, LocalBackend, serve
from tinkex.manifest.features import HeartbeatFeature
from tinkex.manifest.loader import load_manifest

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from tinkex.manifest.schema import Manifest

TINY_MODEL = "tinkex/tiny-byte-lm"
HEARTBEAT = "/api/v1/session_heartbeat"
SESSION_TTL_S = 0.6
BLOCK_S = 1.2  # twice the session timeout


class RecordingBackend(LocalBackend):
    """The embedded backend, noting when each request arrived."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir, config=BackendConfig(session_ttl_s=SESSION_TTL_S))
        self.arrivals: list[tuple[str, float]] = []

    async def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        self.arrivals.append((path, time.monotonic()))
        return await super().handle(method, path, query, headers, body)

    def heartbeats_between(self, start: float, end: float) -> int:
        return sum(1 for path, at in self.arrivals if path == HEARTBEAT and start <= at <= end)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, RecordingBackend]]:
    """The backend served on 127.0.0.1 from its own thread and event loop."""
    ready = threading.Event()
    found: list[str] = []
    loop = asyncio.new_event_loop()
    backend = RecordingBackend(tmp_path)

    def on_ready(url: str) -> None:
        found.append(url)
        ready.set()

    serving = loop.create_task(serve(backend, "127.0.0.1", 0, on_ready=on_ready))

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # how the fixture stops it
            loop.run_until_complete(serving)
        loop.run_until_complete(loop.shutdown_asyncgens())

    thread = threading.Thread(target=run, name="test-server")
    thread.start()
    try:
        assert ready.wait(10), "the server did not start"
        yield found[0], backend
    finally:
        loop.call_soon_threadsafe(serving.cancel)
        thread.join(10)
        loop.close()


def _fast_heartbeats(interval_s: float = 0.05) -> Manifest:
    """The shipped manifest with a heartbeat every `interval_s`."""
    manifest = load_manifest()
    beat = manifest.features["heartbeat"]
    assert isinstance(beat, HeartbeatFeature)
    features = {
        **manifest.features,
        "heartbeat": msgspec.structs.replace(beat, interval_s=interval_s),
    }
    return msgspec.structs.replace(manifest, features=features)


def _block_the_loop() -> tuple[float, float]:
    start = time.monotonic()
    time.sleep(BLOCK_S)  # the point: user code hogging the event loop
    return start, time.monotonic()


@pytest.mark.timeout(30)
async def test_thread_mode_keeps_the_session_alive_while_the_loop_is_blocked(
    server: tuple[str, RecordingBackend],
) -> None:
    """By default (HTTP) a heartbeat thread beats on through a blocked loop; the session lives."""
    url, backend = server
    async with ServiceClient(
        base_url=url, api_key="tml-test", telemetry=False, manifest=_fast_heartbeats()
    ) as service:
        assert "tinkex-heartbeat" in [t.name for t in threading.enumerate()]
        start, end = _block_the_loop()
        # Still the same, live session: the server would answer 410 had it expired.
        training = await service.create_lora_training_client(TINY_MODEL, rank=4)
        assert training.model_id.startswith(await service.session_id())
    assert backend.heartbeats_between(start, end) >= 5
    assert "tinkex-heartbeat" not in [t.name for t in threading.enumerate()]


@pytest.mark.timeout(30)
async def test_loop_mode_starts_no_thread_and_beats_from_the_event_loop(
    server: tuple[str, RecordingBackend],
) -> None:
    """heartbeat="loop" adds no thread; beats stop while the loop is blocked, so it expires."""
    url, backend = server
    threads_before = set(threading.enumerate())
    async with ServiceClient(
        base_url=url,
        api_key="tml-test",
        telemetry=False,
        manifest=_fast_heartbeats(),
        heartbeat="loop",
    ) as service:
        started = time.monotonic()
        await asyncio.sleep(0.3)
        assert backend.heartbeats_between(started, time.monotonic()) >= 2
        assert set(threading.enumerate()) == threads_before
        start, end = _block_the_loop()
        assert backend.heartbeats_between(start, end) == 0
        with pytest.raises(GoneError):
            await service.create_lora_training_client(TINY_MODEL, rank=4)
