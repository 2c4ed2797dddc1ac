"""Builders for SamplingClient tests: a recorded in-process backend and a ServiceClient on it."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import msgspec

from tinkex.adapters.clock import SystemClock
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.clients.service import ServiceClient
from tinkex.domain.types import ModelInput, SamplingParams
from tinkex.local import BackendConfig, FaultPlan, InProcessTransport, LocalBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from tinkex.clients.sampling import SamplingClient
    from tinkex.ports.transport import HttpRequest, HttpResponse, Transport

TINY_MODEL = "tinkex/tiny-byte-lm"
PROMPT = ModelInput.from_ints([72, 101, 108, 108, 111, 32, 119])
PARAMS = SamplingParams(max_tokens=6, seed=7)


class RecordingTransport:
    """A Transport that forwards to another and records every request and answer.

    Args:
        inner: The transport doing the work.
        rewrite: Optionally replaces the answer of a request (a fake server feature).
    """

    def __init__(
        self,
        inner: Transport,
        rewrite: Callable[[HttpRequest], HttpResponse | None] | None = None,
    ) -> None:
        self.inner = inner
        self.rewrite = rewrite
        self.sent: list[HttpRequest] = []
        self.statuses: list[int] = []

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        self.sent.append(request)
        replaced = self.rewrite(request) if self.rewrite is not None else None
        response = replaced if replaced is not None else await self.inner.send(request)
        self.statuses.append(response.status)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def paths(self) -> list[str]:
        """The path of every request, in order."""
        return [request.url.split("://", 1)[-1].split("/", 1)[-1] for request in self.sent]

    def count(self, suffix: str) -> int:
        """How many requests went to a path ending in `suffix`."""
        return sum(path.endswith(suffix) for path in self.paths())

    def bodies(self, suffix: str) -> list[dict[str, object]]:
        """The JSON bodies sent to a path ending in `suffix`."""
        return [
            msgspec.json.decode(request.body or b"{}")
            for request, path in zip(self.sent, self.paths(), strict=True)
            if path.endswith(suffix)
        ]


def backend(
    tmp_path: Path,
    *,
    legacy: bool = False,
    fault_plan: FaultPlan | None = None,
    seed: int = 0,
) -> LocalBackend:
    """A fast embedded backend (short long-polls, no session expiry)."""
    return LocalBackend(
        tmp_path,
        legacy=legacy,
        fault_plan=fault_plan,
        seed=seed,
        config=BackendConfig(poll_timeout_s=1.0, session_ttl_s=None),
    )


@contextlib.asynccontextmanager
async def recorded_service(
    local: LocalBackend,
    rewrite: Callable[[HttpRequest], HttpResponse | None] | None = None,
) -> AsyncIterator[tuple[ServiceClient, RecordingTransport]]:
    """A started ServiceClient talking to `local` in-process through a recorder."""
    recorder = RecordingTransport(InProcessTransport(local, "http://local"), rewrite)
    service = ServiceClient(
        adapters=Adapters(
            pool=SharedTransportPool(recorder),
            clock=SystemClock(),
            base_url="http://local",
            threaded_heartbeat=False,
        ),
        api_key="tml-sampling-tests",
        telemetry=False,
    )
    try:
        await service.start()
        yield service, recorder
    finally:
        await service.close()
        await local.aclose()


@contextlib.asynccontextmanager
async def sampler(
    local: LocalBackend,
    rewrite: Callable[[HttpRequest], HttpResponse | None] | None = None,
) -> AsyncIterator[tuple[SamplingClient, RecordingTransport]]:
    """A SamplingClient on the tiny model, and the recorder under it."""
    async with recorded_service(local, rewrite) as (service, recorder):
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        yield client, recorder
