"""Scenario worker for the official ``tinker`` SDK, run with the python of its own virtualenv.

Uses the SDK the way its README does: synchronous calls returning futures, resolved on the
SDK's background event-loop thread. Imports nothing from tinkex.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any

import numpy as np
import tinker
from tinker import types

from benchmarks.workers import common


def _datums(rows: list[list[int]], kind: str) -> list[Any]:
    out = []
    for row in rows:
        if kind == "numpy":
            arr = np.asarray(row, dtype=np.int64)
            inputs: dict[str, Any] = {
                "target_tokens": arr[1:],
                "weights": np.ones(len(row) - 1, dtype=np.float32),
            }
        else:
            inputs = {"target_tokens": row[1:], "weights": [1.0] * (len(row) - 1)}
        out.append(
            types.Datum(model_input=types.ModelInput.from_ints(row[:-1]), loss_fn_inputs=inputs)
        )
    return out


def _sampling(service: Any, job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    sampler = service.create_sampling_client(base_model=common.BASE_MODEL).result()
    prompt = types.ModelInput.from_ints(list(range(1, params["prompt_tokens"] + 1)))
    sp = types.SamplingParams(max_tokens=params["max_tokens"], temperature=1.0)
    if job["scenario"] in ("P1", "P1b"):
        for future in [sampler.sample(prompt, 1, sp) for _ in range(params["warmup"])]:
            future.result()
        with common.Window(job["server_pid"]) as window:
            futures = [sampler.sample(prompt, 1, sp) for _ in range(params["n"])]
            results = [future.result() for future in futures]
        assert len(results) == params["n"]
        # Which way results are polled: per future, or the retrieve_futures batch poller.
        batch = sampler.holder.get_client_config().sample_use_retrieve_futures
        return {**window.as_dict(), "batch_polling": bool(batch)}
    latencies = []
    for index in range(params["warmup"] + params["n"]):
        started = time.perf_counter()
        sampler.sample(prompt, 1, sp).result()
        if index >= params["warmup"]:
            latencies.append(time.perf_counter() - started)
    return {"latencies_s": latencies}


def _training(service: Any, job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    training = service.create_lora_training_client(base_model=common.BASE_MODEL, rank=1).result()
    scenario = job["scenario"]
    if scenario == "P6":
        data = _datums(common.token_rows(params["datums"], params["tokens"]), "numpy")
        adam = types.AdamParams(learning_rate=1e-4)
        training.forward_backward(data, "cross_entropy").result()
        training.optim_step(adam).result()
        pending: list[Any] = []
        with common.Window(job["server_pid"]) as window:
            for _ in range(params["steps"]):
                pending.append(
                    (training.forward_backward(data, "cross_entropy"), training.optim_step(adam))
                )
                if len(pending) > params["depth"]:
                    fwd, opt = pending.pop(0)
                    fwd.result()
                    opt.result()
            for fwd, opt in pending:
                fwd.result()
                opt.result()
        return window.as_dict()
    rows = common.token_rows(params["datums"], params["tokens"])
    training.forward_backward(_datums(rows[:1], params["kind"]), "cross_entropy").result()
    if scenario == "P4":
        data = _datums(rows, params["kind"])
        del rows
        gc.collect()
        common.reset_peak_rss()
        before = common.rss_kib()
        with common.Window(job["server_pid"]) as window:
            training.forward_backward(data, "cross_entropy").result()
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
        with common.Window(job["server_pid"]) as window:
            training.forward_backward(data, "cross_entropy").result()
        runs.append({**window.as_dict(), "build_cpu_s": build_cpu})
    return {"runs": runs}


def _run(job: dict[str, Any]) -> dict[str, Any]:
    service = tinker.ServiceClient(base_url=job["base_url"], api_key=common.API_KEY)
    if job["scenario"] in ("P1", "P1b", "P3"):
        return _sampling(service, job)
    return _training(service, job)


def main() -> None:
    os.environ.setdefault("TINKER_TELEMETRY", "0")
    results = []
    for job in common.read_jobs():
        try:
            results.append(_run(job))
        except Exception as exc:  # noqa: BLE001  # reported per job (how the SDK failed)
            results.append(common.failure(exc))
    common.emit(results)
    # The SDK's background thread may keep polling; leave without waiting for it.
    os._exit(0)


if __name__ == "__main__":
    main()
