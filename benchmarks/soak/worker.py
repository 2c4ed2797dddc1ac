"""The soak's client process: ``python -m benchmarks.soak.worker '<job json>'``.

The client runs in its own process so that its peak RSS is its own (not the proxy's, not the
orchestrator's). It runs `run_scenario` once and prints one ``SOAK-RESULT <json>`` line.
Floats survive JSON exactly (Python writes the shortest repr that reads back the same bits).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from typing import Any

from benchmarks.soak.scenario import ScenarioResult, SoakSize, run_scenario
from benchmarks.soak.server import peak_rss_kib

__all__ = ["RESULT_PREFIX", "job", "parse_result"]

RESULT_PREFIX = "SOAK-RESULT "


def job(base_url: str, size: SoakSize, seed: int) -> str:
    """The command-line argument of a worker."""
    return json.dumps({"base_url": base_url, "size": dataclasses.asdict(size), "seed": seed})


def parse_result(stdout: str) -> tuple[ScenarioResult, int]:
    """The scenario result and the client's peak RSS (KiB) from a worker's output.

    Raises:
        ValueError: The worker printed no result line.
    """
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            raw: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            peak = int(raw.pop("client_peak_rss_kib"))
            raw["sampled"] = [tuple(tokens) for tokens in raw["sampled"]]
            return ScenarioResult(**raw), peak
    raise ValueError("the soak worker printed no result")


def main(argv: list[str]) -> int:
    """Run the job in ``argv[1]``; print the result line."""
    spec = json.loads(argv[1])
    size = SoakSize(**spec["size"])
    result = asyncio.run(run_scenario(spec["base_url"], size, seed=int(spec["seed"])))
    payload = dataclasses.asdict(result)
    payload["client_peak_rss_kib"] = peak_rss_kib()
    sys.stdout.write(RESULT_PREFIX + json.dumps(payload, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
