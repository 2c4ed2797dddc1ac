"""Scenario sizes: the full run (the issue's numbers) and the seconds-long CI smoke run."""

from __future__ import annotations

from typing import Any

SCENARIOS = ("P1", "P1b", "P2", "P3", "P4", "P5", "P6", "P8", "P9", "P10")

TITLES = {
    "P1": "sampling fan-out",
    "P1b": "sampling fan-out with model time per sample, server offers batch polling",
    "P2": "forward_backward submission",
    "P3": "future resolution overhead",
    "P4": "peak memory, 1M-token batch",
    "P5": "import time",
    "P6": "50-step train loop",
    "P8": "fan-out across worker processes sharing one sampling session",
    "P9": "many samples through one client, in waves (RSS, leftovers)",
    "P10": "tinkex.sync vs the async API",
}

# Bytes one token of a forward_backward batch costs on the wire: int32 input token, int64
# target token, float32 weight. The payload P4 compares peak RSS against.
PAYLOAD_BYTES_PER_TOKEN = 4 + 8 + 4

_FANOUT = {"n": 2000, "warmup": 100, "prompt_tokens": 16, "max_tokens": 16, "connections": 100}

FULL: dict[str, dict[str, Any]] = {
    "P1": dict(_FANOUT),
    "P1b": dict(_FANOUT),
    "P2": {"datums": 256, "tokens": 4096, "iters": 3},
    "P3": {"n": 300, "warmup": 30, "prompt_tokens": 16, "max_tokens": 1, "connections": 100},
    "P4": {"datums": 256, "tokens": 4096},
    "P5": {"reps": 3},
    "P6": {"steps": 50, "datums": 16, "tokens": 512, "depth": 1},
    # n samples per process, all processes started together.
    "P8": {"n": 1000, "warmup": 50, "prompt_tokens": 16, "max_tokens": 16, "processes": [1, 2, 4]},
    # RSS is read after warmup_waves and at the end; 50 x 2,000 = 100,000 samples.
    "P9": {"waves": 50, "per_wave": 2000, "warmup_waves": 5, "prompt_tokens": 16, "max_tokens": 16},
    # sequential: one call at a time; fanout: n calls started, then collected.
    "P10": {"n": 1000, "warmup": 50, "prompt_tokens": 16, "max_tokens": 1},
}

# P1 is large enough here for the CI guard's CPU ratio to be stable (see benchmarks/guard.py).
SMOKE: dict[str, dict[str, Any]] = {
    "P1": {"n": 1000, "warmup": 100, "prompt_tokens": 16, "max_tokens": 16, "connections": 100},
    "P1b": {"n": 20, "warmup": 2, "prompt_tokens": 4, "max_tokens": 2, "connections": 100},
    "P2": {"datums": 2, "tokens": 64, "iters": 1},
    "P3": {"n": 5, "warmup": 1, "prompt_tokens": 4, "max_tokens": 1, "connections": 100},
    "P4": {"datums": 2, "tokens": 64},
    "P5": {"reps": 1},
    "P6": {"steps": 3, "datums": 2, "tokens": 16, "depth": 1},
    "P8": {"n": 20, "warmup": 2, "prompt_tokens": 4, "max_tokens": 2, "processes": [1, 2]},
    "P9": {"waves": 3, "per_wave": 20, "warmup_waves": 1, "prompt_tokens": 4, "max_tokens": 2},
    "P10": {"n": 20, "warmup": 2, "prompt_tokens": 4, "max_tokens": 1},
}

# The clients a worker scenario runs for; raw aiohttp has no meaningful P4 (it holds the
# pre-encoded body, i.e. exactly 1x the payload). P8 and P9 measure tinkex alone; P10 compares
# tinkex's two faces ("sync" is tinkex.sync).
CLIENTS: dict[str, tuple[str, ...]] = {
    "P1": ("tinkex", "official", "raw"),
    "P1b": ("tinkex", "official", "raw"),
    "P2": ("tinkex", "official", "raw"),
    "P3": ("tinkex", "official", "raw"),
    "P4": ("tinkex", "official"),
    "P6": ("tinkex", "official", "raw"),
    "P8": ("tinkex",),
    "P9": ("tinkex",),
    "P10": ("tinkex", "sync"),
}

# Full runs repeat these at least this often: their targets are CPU ratios a few percent from
# where they land, and on a shared machine the median of three moved by more than that.
MIN_REPS: dict[str, int] = {"P1": 5, "P2": 5, "P10": 5}

# Scenarios measured in the first repetition only: P9 is a soak (one long run), not a
# comparison, and repeating it would triple the run's length.
ONCE = frozenset({"P9"})

# The smoke run's guard (benchmarks/guard.py) compares tinkex and the raw loop on this scenario,
# measured GUARD_REPS times for each, alternating, one process per measurement.
GUARDED = "P1"
GUARD_REPS = 3

P1B_SAMPLE_TIME_S = 0.1
"""Model time of one P1b sample (the server's ``--sample-time``), in full and smoke runs.

What a real sampler takes for a short completion (16 tokens of a small model: tens to hundreds
of milliseconds): each sample finishes this long after the server accepted it, all samples
waiting side by side (a sleep, no server CPU). The same server, so the same model time, for
all three clients. Batch polling exists for this: against a server where every sample is
done at once it has nothing to save.
"""

# Flags of the benchmark server per scenario (default: the plain null-model server).
SERVER_FLAGS: dict[str, tuple[str, ...]] = {
    "P1b": ("--batch-futures", "--sample-time", f"{P1B_SAMPLE_TIME_S:g}"),
}


def variants(scenario: str, sizes: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """The variants a scenario runs: input kinds (P2, P4), process counts (P8), call styles."""
    if scenario == "P2":
        return ("numpy", "list")
    if scenario == "P4":
        return ("numpy",)
    if scenario == "P8":
        return tuple(str(p) for p in sizes["P8"]["processes"])
    if scenario == "P10":
        return ("sequential", "fanout")
    return ("",)


def canonical(name: str) -> str | None:
    """The scenario called `name` (case-insensitive: ``p1b`` is ``P1b``), or None."""
    return {s.upper(): s for s in SCENARIOS}.get(name.strip().upper())
