"""Scenario sizes: the full run (the issue's numbers) and the seconds-long CI smoke run."""

from __future__ import annotations

from typing import Any

SCENARIOS = ("P1", "P2", "P3", "P4", "P5", "P6")

TITLES = {
    "P1": "sampling fan-out",
    "P2": "forward_backward submission",
    "P3": "future resolution overhead",
    "P4": "peak memory, 1M-token batch",
    "P5": "import time",
    "P6": "50-step train loop",
}

# Bytes one token of a forward_backward batch costs on the wire: int32 input token, int64
# target token, float32 weight. The payload P4 compares peak RSS against.
PAYLOAD_BYTES_PER_TOKEN = 4 + 8 + 4

FULL: dict[str, dict[str, Any]] = {
    "P1": {"n": 2000, "warmup": 100, "prompt_tokens": 16, "max_tokens": 16, "connections": 100},
    "P2": {"datums": 256, "tokens": 4096, "iters": 3},
    "P3": {"n": 300, "warmup": 30, "prompt_tokens": 16, "max_tokens": 1, "connections": 100},
    "P4": {"datums": 256, "tokens": 4096},
    "P5": {"reps": 3},
    "P6": {"steps": 50, "datums": 16, "tokens": 512, "depth": 1},
}

SMOKE: dict[str, dict[str, Any]] = {
    "P1": {"n": 20, "warmup": 2, "prompt_tokens": 4, "max_tokens": 2, "connections": 100},
    "P2": {"datums": 2, "tokens": 64, "iters": 1},
    "P3": {"n": 5, "warmup": 1, "prompt_tokens": 4, "max_tokens": 1, "connections": 100},
    "P4": {"datums": 2, "tokens": 64},
    "P5": {"reps": 1},
    "P6": {"steps": 3, "datums": 2, "tokens": 16, "depth": 1},
}

# Which input kinds a scenario runs with (numpy arrays or Python lists as loss inputs).
VARIANTS: dict[str, tuple[str, ...]] = {"P2": ("numpy", "list"), "P4": ("numpy",)}

# The clients a worker scenario runs for; raw aiohttp has no meaningful P4 (it holds the
# pre-encoded body, i.e. exactly 1x the payload).
CLIENTS: dict[str, tuple[str, ...]] = {
    "P1": ("tinkex", "official", "raw"),
    "P2": ("tinkex", "official", "raw"),
    "P3": ("tinkex", "official", "raw"),
    "P4": ("tinkex", "official"),
    "P6": ("tinkex", "official", "raw"),
}
