"""P9: many samples through one client, in waves; does anything grow or stay behind?

``waves`` waves of ``per_wave`` samples each go through one SamplingClient (each wave fanned
out and awaited before the next). RSS is read after every wave, after a full collection (so
what is left is what is still referenced); the baseline is the RSS after ``warmup_waves``
waves. At the end the job counts what should be gone: requests the ServiceClient still lists
as pending, live ``tinkex.APIFuture`` objects, asyncio tasks beyond those alive after the
warm-up (the client's own background tasks), and, once the ServiceClient is closed, every
asyncio task but the one running this job.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import tinkex
from benchmarks.workers import common
from tinkex import types


def _live_api_futures() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, tinkex.APIFuture))


def _other_tasks() -> int:
    return len(asyncio.all_tasks() - {asyncio.current_task()})


async def run(job: dict[str, Any]) -> dict[str, Any]:
    """Run the waves; the job's result (RSS per wave in KiB and what was left behind)."""
    params = job["params"]
    waves, per_wave, warm = params["waves"], params["per_wave"], params["warmup_waves"]
    prompt = types.ModelInput.from_ints(list(range(1, params["prompt_tokens"] + 1)))
    sp = types.SamplingParams(max_tokens=params["max_tokens"], temperature=1.0)
    rss: list[int] = []
    tasks_after_warmup = 0
    async with tinkex.ServiceClient(
        base_url=job["base_url"], api_key=common.API_KEY, telemetry=False
    ) as service:
        sampler = await service.create_sampling_client(base_model=common.BASE_MODEL)
        with common.Window(job["server_pid"]) as window:
            for wave in range(waves):
                results = await asyncio.gather(
                    *(sampler.sample(prompt, 1, sp) for _ in range(per_wave))
                )
                assert len(results) == per_wave
                del results
                gc.collect()
                rss.append(common.rss_kib())
                if wave + 1 == warm:
                    tasks_after_warmup = _other_tasks()
        pending = len(service.pending())
        tasks_at_end = _other_tasks()
        live_futures = _live_api_futures()
    # The ServiceClient is closed: nothing of tinkex may still be scheduled.
    await asyncio.sleep(0)
    tasks_after_close = _other_tasks()
    return {
        **window.as_dict(),
        "samples": waves * per_wave,
        "rss_kib": rss,
        "rss_warm_kib": rss[warm - 1],
        "rss_end_kib": rss[-1],
        "pending_requests": pending,
        "live_api_futures": live_futures,
        "tasks_after_warmup": tasks_after_warmup,
        "tasks_at_end": tasks_at_end,
        "tasks_after_close": tasks_after_close,
    }
