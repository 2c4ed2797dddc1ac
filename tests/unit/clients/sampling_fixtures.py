"""Builders for SamplingClient tests: a recorded in-process backend and a ServiceClient on it."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import msgspec

from tinkex.clients.service import ServiceClient
from tinkex.domain.types import ModelInput, SamplingParams
from tinkex.local import BackendConfig, FaultPlan, InProcessTransport, LocalBackend
from tinkex.testing import ScriptedTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.clients.sampling import SamplingClient

TINY_MODEL = "tinkex/tiny-byte-lm"
PROMPT = ModelInput.from_ints([72, 101, 108, 108, 111, 32, 119])
PARAMS = SamplingParams(max_tokens=6, seed=7)


class RecordingTransport(ScriptedTransport):
    """A scripted transport (routes answer first, the backend the rest), queried by path suffix."""

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
    local: LocalBackend, recorder: RecordingTransport | None = None
) -> AsyncIterator[tuple[ServiceClient, RecordingTransport]]:
    """A started ServiceClient talking to `local` in-process through a recorder (and its routes)."""
    recorder = recorder if recorder is not None else RecordingTransport()
    recorder.fallback = InProcessTransport(local, "http://local")
    service = ServiceClient(
        base_url="local", transport=recorder, api_key="tml-sampling-tests", telemetry=False
    )
    try:
        await service.start()
        yield service, recorder
    finally:
        await service.close()
        await local.aclose()


@contextlib.asynccontextmanager
async def sampler(
    local: LocalBackend, recorder: RecordingTransport | None = None
) -> AsyncIterator[tuple[SamplingClient, RecordingTransport]]:
    """A SamplingClient on the tiny model, and the recorder under it."""
    async with recorded_service(local, recorder) as (service, recorder):
        client = await service.create_sampling_client(base_model=TINY_MODEL)
        yield client, recorder
