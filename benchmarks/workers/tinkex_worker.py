"""Scenario worker for tinkex (async API, one event loop, HTTP to the benchmark server)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from typing import TYPE_CHECKING, Any

import numpy as np

import tinkex
from benchmarks.workers import common, tinkex_processes, tinkex_waves
from tinkex import types

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def _profiled(job: dict[str, Any]) -> Iterator[None]:
    """Profile the measured stretch with pyinstrument when the job asks (diagnosis only)."""
    path = job.get("profile")
    if path is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="enabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        with open(path, "w") as out:
            out.write(profiler.output_text(unicode=True, show_all=False))


def _datums(rows: list[list[int]], kind: str) -> list[types.Datum]:
    """The batch; "numpy" is tinkex's fastest documented path (`Datum.from_numpy`)."""
    if kind == "numpy":
        # tinkex's numpy-native path: token arrays end to end, no Python-int lists.
        return [
            types.Datum.from_numpy(
                tokens[:-1],
                target_tokens=tokens[1:],
                weights=np.ones(len(tokens) - 1, dtype=np.float32),
            )
            for tokens in (np.asarray(row, dtype=np.int64) for row in rows)
        ]
    return [
        types.Datum(
            model_input=types.ModelInput.from_ints(row[:-1]),
            loss_fn_inputs={"target_tokens": row[1:], "weights": [1.0] * (len(row) - 1)},
        )
        for row in rows
    ]


async def _sampling(service: tinkex.ServiceClient, job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    sampler = await service.create_sampling_client(base_model=common.BASE_MODEL)
    prompt = types.ModelInput.from_ints(list(range(1, params["prompt_tokens"] + 1)))
    sp = types.SamplingParams(max_tokens=params["max_tokens"], temperature=1.0)
    # Which way results are polled: per future, or the server's retrieve_futures batch poller.
    mode = {"batch_polling": service.runtime.server_config.sample_use_retrieve_futures}
    scenario = job["scenario"]
    if scenario in ("P1", "P1b") or (scenario == "P10" and params["kind"] == "fanout"):
        await asyncio.gather(*(sampler.sample(prompt, 1, sp) for _ in range(params["warmup"])))
        with _profiled(job), common.Window(job["server_pid"]) as window:
            results = await asyncio.gather(
                *(sampler.sample(prompt, 1, sp) for _ in range(params["n"]))
            )
        assert len(results) == params["n"]
        return {**window.as_dict(), **mode}
    for _ in range(params["warmup"]):
        await sampler.sample(prompt, 1, sp)
    if scenario == "P10":  # sequential calls: CPU per call
        with _profiled(job), common.Window(job["server_pid"]) as window:
            for _ in range(params["n"]):
                await sampler.sample(prompt, 1, sp)
        return {**window.as_dict(), **mode}
    latencies = []
    with _profiled(job):
        for _ in range(params["n"]):
            started = time.perf_counter()
            await sampler.sample(prompt, 1, sp)
            latencies.append(time.perf_counter() - started)
    return {"latencies_s": latencies}


async def _training(service: tinkex.ServiceClient, job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    training = await service.create_lora_training_client(common.BASE_MODEL, rank=1)
    scenario = job["scenario"]
    if scenario == "P6":
        data = _datums(common.token_rows(params["datums"], params["tokens"]), "numpy")
        adam = types.AdamParams(learning_rate=1e-4)
        await training.train_step(data, "cross_entropy", adam)
        pending: list[Any] = []
        with _profiled(job), common.Window(job["server_pid"]) as window:
            for _ in range(params["steps"]):
                pending.append(
                    (training.forward_backward(data, "cross_entropy"), training.optim_step(adam))
                )
                if len(pending) > params["depth"]:
                    fwd, opt = pending.pop(0)
                    await fwd
                    await opt
            for fwd, opt in pending:
                await fwd
                await opt
        return window.as_dict()
    rows = common.token_rows(params["datums"], params["tokens"])
    small = _datums(rows[:1], params["kind"])
    await training.forward_backward(small, "cross_entropy")  # load every code path
    if scenario == "P4":
        data = _datums(rows, params["kind"])
        del rows
        gc.collect()
        common.reset_peak_rss()
        before = common.rss_kib()
        with _profiled(job), common.Window(job["server_pid"]) as window:
            await training.forward_backward(data, "cross_entropy")
        return {
            **window.as_dict(),
            "rss_before_kib": before,
            "rss_peak_kib": common.rss_kib("VmHWM"),
        }
    runs = []
    for _ in range(params["iters"]):
        build_started = time.process_time()
        data = _datums(rows, params["kind"])
        build_cpu = time.process_time() - build_started
        with _profiled(job), common.Window(job["server_pid"]) as window:
            await training.forward_backward(data, "cross_entropy")
        runs.append({**window.as_dict(), "build_cpu_s": build_cpu})
    return {"runs": runs}


async def _main(job: dict[str, Any]) -> dict[str, Any]:
    if job["scenario"] == "P8":
        return await tinkex_processes.run(job)
    if job["scenario"] == "P9":
        return await tinkex_waves.run(job)
    async with tinkex.ServiceClient(
        base_url=job["base_url"], api_key=common.API_KEY, telemetry=False
    ) as service:
        if job["scenario"] in ("P1", "P1b", "P3", "P10"):
            return await _sampling(service, job)
        return await _training(service, job)


async def _all(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for job in jobs:
        try:
            results.append(await _main(job))
        except Exception as exc:  # noqa: BLE001  # reported per job; the others still run
            results.append(common.failure(exc))
    return results


if __name__ == "__main__":
    common.emit(asyncio.run(_all(common.read_jobs())))
