"""Fan out n samples and exit: what `benchmarks.instructions` runs under callgrind.

``python -m benchmarks.workers.instr_worker URL CLIENT N`` (CLIENT: ``tinkex`` or ``raw``). It
measures nothing itself: callgrind counts the instructions of the whole process, and the
difference between two sizes is the cost of the extra samples (start-up and warm-up cancel).
"""

from __future__ import annotations

import asyncio
import sys

import tinkex
from benchmarks.workers import common, raw_worker
from benchmarks.workers.wire_headers import WireHeaders
from tinkex import types

WARMUP = 50


async def _tinkex(url: str, n: int) -> None:
    async with tinkex.ServiceClient(base_url=url, api_key=common.API_KEY, telemetry=False) as svc:
        sampler = await svc.create_sampling_client(base_model=common.BASE_MODEL)
        prompt = types.ModelInput.from_ints(list(range(1, 17)))
        params = types.SamplingParams(max_tokens=16, temperature=1.0)
        await asyncio.gather(*(sampler.sample(prompt, 1, params) for _ in range(WARMUP)))
        await asyncio.gather(*(sampler.sample(prompt, 1, params) for _ in range(n)))


async def _raw(url: str, n: int) -> None:
    headers = WireHeaders(common.API_KEY)
    async with raw_worker.open_session(100, headers) as session:
        raw = raw_worker.Raw(session, url, headers)
        sampling_session_id = await raw.sampling_session_id()
        sample = raw_worker.sampler(raw, sampling_session_id, 16, 16)
        await asyncio.gather(*(sample() for _ in range(WARMUP)))
        await asyncio.gather(*(sample() for _ in range(n)))


def main() -> None:
    """Run one fan-out as the command line says."""
    url, client, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    asyncio.run(_tinkex(url, n) if client == "tinkex" else _raw(url, n))


if __name__ == "__main__":
    main()
