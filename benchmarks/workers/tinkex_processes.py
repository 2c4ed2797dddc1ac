"""P8: one sampling session shared by 1, 2, 4 worker processes through pickled SamplingClients.

The parent opens a ServiceClient and one sampling client and hands that client, pickled, to
each of ``processes`` spawned children (``multiprocessing`` pickles the arguments of a spawned
process, so each child gets ``SamplingClient.__reduce__``'s rebuild: its own client stack
joining the parent's session). Every child warms up, waits at a barrier, fans out ``n``
samples and reports its own wall and CPU time. The parent's window runs from the barrier to
the last child's report: aggregate throughput is ``processes * n`` over it, and the server's
CPU over it is its busy share.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

import tinkex
from benchmarks.workers import common
from tinkex import types

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier

_BARRIER_TIMEOUT_S = 120.0
_RESULT_TIMEOUT_S = 600.0


async def _fan_out(
    sampler: tinkex.SamplingClient, params: dict[str, Any], barrier: Barrier
) -> dict[str, Any]:
    prompt = types.ModelInput.from_ints(list(range(1, params["prompt_tokens"] + 1)))
    sp = types.SamplingParams(max_tokens=params["max_tokens"], temperature=1.0)
    async with sampler:  # the rebuilt client's own stack closes at the end
        await asyncio.gather(*(sampler.sample(prompt, 1, sp) for _ in range(params["warmup"])))
        await asyncio.to_thread(barrier.wait, _BARRIER_TIMEOUT_S)
        wall, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(*(sampler.sample(prompt, 1, sp) for _ in range(params["n"])))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert len(results) == params["n"]
    return {"wall_s": wall, "client_cpu_s": cpu}


def _child(
    sampler: tinkex.SamplingClient,
    params: dict[str, Any],
    barrier: Barrier,
    results: multiprocessing.Queue[dict[str, Any]],
) -> None:
    """A worker process: sample through the unpickled client, report to the parent."""
    try:
        results.put(asyncio.run(_fan_out(sampler, params, barrier)))
    except Exception as exc:  # noqa: BLE001  # reported to the parent, which fails the job
        barrier.abort()  # the parent and the other children stop waiting at once
        results.put(common.failure(exc))


def _collect(results: multiprocessing.Queue[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [results.get(timeout=_RESULT_TIMEOUT_S) for _ in range(count)]


def _errors(results: multiprocessing.Queue[dict[str, Any]]) -> list[str]:
    found = []
    while True:
        try:
            found.append(str(results.get(timeout=1.0).get("error", "")))
        except queue.Empty:
            return [e for e in found if e]


async def run(job: dict[str, Any]) -> dict[str, Any]:
    """Measure one process count (``params["processes"]``); the job's result."""
    params = job["params"]
    count = int(params["processes"])
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(count + 1)
    results: multiprocessing.Queue[dict[str, Any]] = context.Queue()
    async with tinkex.ServiceClient(
        base_url=job["base_url"], api_key=common.API_KEY, telemetry=False
    ) as service:
        sampler = await service.create_sampling_client(base_model=common.BASE_MODEL)
        children = [
            context.Process(target=_child, args=(sampler, params, barrier, results), daemon=True)
            for _ in range(count)
        ]
        for child in children:
            child.start()  # pickles `sampler`: the child unpickles a rebuilt SamplingClient
        try:
            try:
                await asyncio.to_thread(barrier.wait, _BARRIER_TIMEOUT_S)
            except threading.BrokenBarrierError:
                reasons = await asyncio.to_thread(_errors, results)
                raise RuntimeError(f"a P8 child failed: {reasons}") from None
            busy, total = common.machine_cpu()
            with common.Window(job["server_pid"]) as window:
                reports = await asyncio.to_thread(_collect, results, count)
            busy_end, total_end = common.machine_cpu()
        finally:
            for child in children:
                await asyncio.to_thread(child.join, 30.0)
                if child.is_alive():
                    child.kill()
    failed = [r["error"] for r in reports if "error" in r]
    if failed:
        raise RuntimeError(f"a P8 child failed: {failed[0]}")
    return {
        "wall_s": window.wall_s,
        "server_cpu_s": window.server_cpu_s,
        "client_cpu_s": sum(r["client_cpu_s"] for r in reports),
        "processes": count,
        "machine_busy": (busy_end - busy) / (total_end - total) if total_end > total else None,
        "samples": count * params["n"],
        "child_wall_s": [r["wall_s"] for r in reports],
    }
