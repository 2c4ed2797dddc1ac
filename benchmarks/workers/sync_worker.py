"""Scenario worker for ``tinkex.sync`` (P10): the blocking face of tinkex, over HTTP.

The same calls as the tinkex worker's P10 rows, made the way a script written against the
official SDK makes them: ``sampler.sample(...)`` returns a future, ``.result()`` blocks. The
calls run on tinkex.sync's loop thread; CPU is read for the whole process (both threads), so
the difference to the async row is what the blocking facade costs per call.
"""

from __future__ import annotations

import os
from typing import Any

import tinkex.sync
from benchmarks.workers import common
from tinkex import types


def _run(job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    with tinkex.sync.ServiceClient(
        base_url=job["base_url"], api_key=common.API_KEY, telemetry=False
    ) as service:
        sampler = service.create_sampling_client(base_model=common.BASE_MODEL)
        prompt = types.ModelInput.from_ints(list(range(1, params["prompt_tokens"] + 1)))
        sp = types.SamplingParams(max_tokens=params["max_tokens"], temperature=1.0)
        if params["kind"] == "fanout":
            for future in [sampler.sample(prompt, 1, sp) for _ in range(params["warmup"])]:
                future.result()
            with common.Window(job["server_pid"]) as window:
                futures = [sampler.sample(prompt, 1, sp) for _ in range(params["n"])]
                results = [future.result() for future in futures]
            assert len(results) == params["n"]
            return window.as_dict()
        for _ in range(params["warmup"]):
            sampler.sample(prompt, 1, sp).result()
        with common.Window(job["server_pid"]) as window:
            for _ in range(params["n"]):
                sampler.sample(prompt, 1, sp).result()
        return window.as_dict()


def main() -> None:
    """Run every job given on the command line and print the result line."""
    os.environ.setdefault("TINKER_TELEMETRY", "0")
    results = []
    for job in common.read_jobs():
        try:
            results.append(_run(job))
        except Exception as exc:  # noqa: BLE001  # reported per job; the others still run
            results.append(common.failure(exc))
    common.emit(results)
    tinkex.sync.shutdown()


if __name__ == "__main__":
    main()
