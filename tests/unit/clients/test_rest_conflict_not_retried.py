"""A conflict the caller caused is answered once: the server says not to retry it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex.adapters.clock import SystemClock
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.errors import ConflictError
from tinkex.local import InProcessTransport, LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.ports.transport import HttpRequest, HttpResponse


class Recorder:
    """Counts requests on their way to the in-process backend."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.sent: list[HttpRequest] = []

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        self.sent.append(request)
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_second_publish_is_a_single_409(tmp_path: Path) -> None:
    """Publishing an already public checkpoint fails at once instead of retrying for minutes."""
    backend = LocalBackend(tmp_path)
    recorder = Recorder(InProcessTransport(backend, "http://local", close_backend=True))
    adapters = Adapters(
        pool=SharedTransportPool(recorder),
        clock=SystemClock(),
        base_url="http://local",
        threaded_heartbeat=False,
    )
    async with tinkex.ServiceClient(adapters=adapters, base_url="local", telemetry=False) as svc:
        training = await svc.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        saved = await training.save_state("snapshot")
        rest = svc.create_rest_client()
        await rest.publish_checkpoint_from_tinker_path(saved.path)
        before = len(recorder.sent)
        with pytest.raises(ConflictError):
            await rest.publish_checkpoint_from_tinker_path(saved.path)
        assert len(recorder.sent) == before + 1
