"""What ``tinkex.sync`` costs over the async API it runs: ``python -m benchmarks.sync_overhead``.

The same operations go through ``tinkex`` (awaited on the caller's loop) and ``tinkex.sync``
(blocking calls, run on the loop thread), each against its own fresh in-process embedded
backend, interleaved, several repetitions; the median per operation is reported, wall time
and process CPU time (both threads), and the difference is the facade's overhead:

- ``capabilities``: one small request per call (the overhead is most visible here);
- ``train_step``: forward_backward + optim_step on a tiny batch, submitted back to back;
- ``sample_fanout``: 32 samples in flight, then collected.

Prints a table and one JSON line. Standalone: not part of ``python -m benchmarks run``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import tinkex
import tinkex.sync
from tinkex import types

BASE_MODEL = "Qwen/Qwen3-8B"
FANOUT = 32


def _datum() -> types.Datum:
    tokens = list(b"the sync facade measures itself")
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


def measure_async(data_dir: Path, ops: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Per-operation µs (wall, cpu) of each workload through the async clients."""
    out: dict[str, tuple[float, float]] = {}

    async def main() -> None:
        async with tinkex.ServiceClient(
            base_url="local", local_data_dir=data_dir, telemetry=False, env={}
        ) as service:
            training = await service.create_lora_training_client(BASE_MODEL, rank=4)
            sampler = await training.save_weights_and_get_sampling_client()
            data, adam = [_datum()], types.AdamParams(learning_rate=1e-3)
            prompt = types.ModelInput.from_ints([104, 105])
            params = types.SamplingParams(max_tokens=4)

            started = time.perf_counter(), time.process_time()
            for _ in range(ops["capabilities"]):
                await service.get_server_capabilities()
            out["capabilities"] = _per_op(started, ops["capabilities"])

            started = time.perf_counter(), time.process_time()
            for _ in range(ops["train_step"]):
                fwdbwd, optim = (
                    training.forward_backward(data, "cross_entropy"),
                    training.optim_step(adam),
                )
                await fwdbwd
                await optim
            out["train_step"] = _per_op(started, ops["train_step"])

            started = time.perf_counter(), time.process_time()
            for _ in range(ops["sample_fanout"]):
                futures = [sampler.sample(prompt, 1, params) for _ in range(FANOUT)]
                for future in futures:
                    await future
            out["sample_fanout"] = _per_op(started, ops["sample_fanout"] * FANOUT)

    asyncio.run(main())
    return out


def measure_sync(data_dir: Path, ops: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Per-operation µs (wall, cpu) of each workload through tinkex.sync."""
    out: dict[str, tuple[float, float]] = {}
    with tinkex.sync.ServiceClient(
        base_url="local", local_data_dir=data_dir, telemetry=False, env={}
    ) as service:
        training = service.create_lora_training_client(BASE_MODEL, rank=4)
        sampler = training.save_weights_and_get_sampling_client()
        data, adam = [_datum()], types.AdamParams(learning_rate=1e-3)
        prompt = types.ModelInput.from_ints([104, 105])
        params = types.SamplingParams(max_tokens=4)

        started = time.perf_counter(), time.process_time()
        for _ in range(ops["capabilities"]):
            service.get_server_capabilities()
        out["capabilities"] = _per_op(started, ops["capabilities"])

        started = time.perf_counter(), time.process_time()
        for _ in range(ops["train_step"]):
            fwdbwd, optim = (
                training.forward_backward(data, "cross_entropy"),
                training.optim_step(adam),
            )
            fwdbwd.result()
            optim.result()
        out["train_step"] = _per_op(started, ops["train_step"])

        started = time.perf_counter(), time.process_time()
        for _ in range(ops["sample_fanout"]):
            futures = [sampler.sample(prompt, 1, params) for _ in range(FANOUT)]
            for future in futures:
                future.result()
        out["sample_fanout"] = _per_op(started, ops["sample_fanout"] * FANOUT)
    return out


def _per_op(started: tuple[float, float], ops: int) -> tuple[float, float]:
    wall, cpu = started
    return (time.perf_counter() - wall) / ops * 1e6, (time.process_time() - cpu) / ops * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the table and a JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_overhead")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the op counts")
    args = parser.parse_args(argv)
    ops = {
        name: max(1, int(count * args.scale))
        for name, count in {"capabilities": 400, "train_step": 30, "sample_fanout": 5}.items()
    }
    runs: dict[str, dict[str, list[tuple[float, float]]]] = {"async": {}, "sync": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):
            for label, measure in (("async", measure_async), ("sync", measure_sync)):
                result = measure(Path(tmp) / f"{label}-{rep}", ops)
                for name, value in result.items():
                    runs[label].setdefault(name, []).append(value)
    tinkex.sync.shutdown()
    summary: dict[str, Any] = {}
    columns = ("async µs", "sync µs", "overhead µs", "cpu async", "cpu sync")
    print(f"{'workload':<15}" + "".join(f"{c:>13}" for c in columns))
    for name in ops:
        a_wall = statistics.median(w for w, _ in runs["async"][name])
        s_wall = statistics.median(w for w, _ in runs["sync"][name])
        a_cpu = statistics.median(c for _, c in runs["async"][name])
        s_cpu = statistics.median(c for _, c in runs["sync"][name])
        summary[name] = {
            "async_us": round(a_wall, 1),
            "sync_us": round(s_wall, 1),
            "overhead_us": round(s_wall - a_wall, 1),
            "async_cpu_us": round(a_cpu, 1),
            "sync_cpu_us": round(s_cpu, 1),
        }
        cells = (a_wall, s_wall, s_wall - a_wall, a_cpu, s_cpu)
        print(f"{name:<15}" + "".join(f"{c:>13.1f}" for c in cells))
    print(json.dumps({"reps": args.reps, "ops": ops, "per_op": summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
