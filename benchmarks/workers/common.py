"""Measurement helpers shared by every worker (standard library only: see the package doc).

A worker is started as ``python -m benchmarks.workers.<client> '<jobs json>'``; it runs each
job (one scenario against the server at ``job["base_url"]``) and prints one
``BENCH-RESULT <json list>`` line.
CPU is read for this process (all threads) and for the server process (from ``/proc``), so
client and server work are separated.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

RESULT_PREFIX = "BENCH-RESULT "
API_KEY = "tml-benchmark"
BASE_MODEL = "benchmark/null-model"
_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float:
    """User+system CPU seconds of another process (``/proc/<pid>/stat``; 1/CLK_TCK resolution)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode()
    except OSError:
        return float("nan")
    # The command name may contain spaces; fields after it are space-separated.
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU time of the whole machine, all cores, since boot (``/proc/stat``).

    Differences over a window give the machine's busy share, whoever's processes used it.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [float(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return float("nan"), float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user time
    return total - idle, total


def rss_kib(which: str = "VmRSS") -> int:
    """This process's resident set (``VmRSS``) or its peak (``VmHWM``), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(which + ":"):
                return int(line.split()[1])
    return -1


def reset_peak_rss() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux ``clear_refs`` 5); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


@dataclass
class Window:
    """Wall time, this process's CPU and the server's CPU over one measured stretch."""

    server_pid: int
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    _start: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0), repr=False)

    def __enter__(self) -> Window:
        self._start = (time.perf_counter(), time.process_time(), proc_cpu_s(self.server_pid))
        return self

    def __exit__(self, *exc: object) -> None:
        wall, cpu, server = self._start
        self.wall_s = time.perf_counter() - wall
        self.client_cpu_s = time.process_time() - cpu
        self.server_cpu_s = proc_cpu_s(self.server_pid) - server

    def as_dict(self) -> dict[str, float]:
        """The three numbers, for the result line."""
        return {
            "wall_s": self.wall_s,
            "client_cpu_s": self.client_cpu_s,
            "server_cpu_s": self.server_cpu_s,
        }


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def read_jobs() -> list[dict[str, Any]]:
    """The jobs given on the command line (a JSON list), run one after the other."""
    jobs: list[dict[str, Any]] = json.loads(sys.argv[1])
    return jobs


def emit(results: list[dict[str, Any]]) -> None:
    """Print the result line the runner looks for (one result per job, in order)."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(results) + "\n")
    sys.stdout.flush()


def failure(exc: BaseException) -> dict[str, Any]:
    """A job's result when it raised: the error, so the other jobs still report."""
    where = "".join(traceback.format_exception(exc)[-3:])
    return {"error": where.strip()[-2000:]}


def token_rows(datums: int, tokens: int, vocab: int = 256) -> list[list[int]]:
    """Deterministic token rows (plain lists), the same for every client."""
    return [[(i * 31 + j * 7) % vocab for j in range(tokens + 1)] for i in range(datums)]
