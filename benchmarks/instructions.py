"""Instructions per P1 sample under callgrind: the client's cost without the machine's noise.

CPU seconds per sample move by tens of percent between runs on a shared machine (RESULTS.md,
"Noise"); instruction counts do not depend on what else the host runs. Each client fans out
`SMALL` and then `LARGE` samples (after the same warm-up) in a fresh process under
``valgrind --tool=callgrind``, against a fresh null-model server running natively; the
difference of the two totals over ``LARGE - SMALL`` is the cost of one more sample, start-up
and warm-up cancelling out. The server answers at once relative to a client slowed about
fifty-fold, so batching is at its best: the count repeats within a few percent, and the
tinkex/raw ratio it gives is a floor of what the CPU-time ratio shows. Instructions are not
time (cache misses and the garbage collector's memory traffic cost more per instruction), so
this complements P1's CPU column rather than replacing it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.server import Server
from benchmarks.tables import TIMES

SMALL, LARGE = 400, 1200
CLIENTS = ("tinkex", "raw")
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def available() -> bool:
    """Whether valgrind is installed (the measurement is skipped without it)."""
    return shutil.which("valgrind") is not None


def collected(valgrind_stderr: str) -> int:
    """The total instruction count callgrind reports at exit.

    Raises:
        ValueError: The output has no ``Collected :`` line (the run failed).
    """
    match = _COLLECTED.search(valgrind_stderr)
    if match is None:
        tail = "\n".join(valgrind_stderr.strip().splitlines()[-5:])
        raise ValueError(f"callgrind reported no instruction count:\n{tail}")
    return int(match.group(1))


def per_sample(small_total: int, large_total: int) -> float:
    """Instructions one more sample costs (thousands)."""
    return (large_total - small_total) / (LARGE - SMALL) / 1000


def _count(python: str, root: Path, url: str, client: str, n: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python]
    command += ["-m", "benchmarks.workers.instr_worker", url, client, str(n)]
    done = subprocess.run(
        command, cwd=root, capture_output=True, text=True, timeout=900, check=False
    )
    return collected(done.stderr)


def measure(python: str, root: Path) -> dict[str, Any]:
    """Thousands of instructions per sample for each client, and tinkex's ratio to raw.

    A failed client is reported as ``{"error": ...}`` in its place.
    """
    result: dict[str, Any] = {"small": SMALL, "large": LARGE}
    for client in CLIENTS:
        try:
            totals = []
            for n in (SMALL, LARGE):
                with Server(python, root) as server:
                    totals.append(_count(python, root, server.url, client, n))
            result[client] = round(per_sample(*totals), 1)
        except (ValueError, subprocess.TimeoutExpired, RuntimeError) as exc:
            result[client] = {"error": str(exc)}
    tinkex, raw = result.get("tinkex"), result.get("raw")
    if isinstance(tinkex, float) and isinstance(raw, float) and raw > 0:
        result["ratio"] = round(tinkex / raw, 2)
    return result


def render(data: dict[str, Any] | None) -> list[str]:
    """The markdown lines under P1's table (none when it was not measured)."""
    if not data or "ratio" not in data:
        return []
    return [
        f"Instructions per sample (callgrind, `python -m benchmarks instructions`; repeats "
        f"within a few percent): tinkex {data['tinkex']:,.0f} k, raw aiohttp "
        f"{data['raw']:,.0f} k = **{data['ratio']:.2f}{TIMES}**.",
        "",
    ]


def main() -> int:
    """Measure and print (the ``instructions`` command)."""
    if not available():
        print("valgrind is not installed: nothing measured", file=sys.stderr)
        return 2
    data = measure(sys.executable, Path(__file__).absolute().parent.parent)
    print("\n".join(render(data)) or data)
    return 0 if "ratio" in data else 1
