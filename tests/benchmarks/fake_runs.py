"""Finished benchmark runs made up for the tests of the outputs (no measuring)."""

from __future__ import annotations

from typing import Any


def fanout(wall_s: float, cpu_s: float) -> list[dict[str, Any]]:
    """One fan-out measurement: wall and client CPU seconds, the server at 40 % of the wall."""
    return [{"wall_s": wall_s, "client_cpu_s": cpu_s, "server_cpu_s": 0.4 * wall_s}]


def smoke_run(tinkex_cpu_s: float) -> dict[str, Any]:
    """A finished smoke run of P1 (1,000 samples) and P6 without the official SDK."""
    return {
        "mode": "smoke",
        "started_utc": "2026-01-01T00:00:00Z",
        "duration_s": 1.0,
        "reps": 1,
        "machine": {
            "nproc": 2,
            "cpu_model": "test",
            "mem_gib": 1.0,
            "os": "test",
            "python": "3.11",
            "loadavg_start": (0.0, 0.0, 0.0),
            "loadavg_end": (0.0, 0.0, 0.0),
            "git_commit": "abc1234",
            "git_dirty": False,
        },
        "official_sdk": "skipped in smoke mode",
        "sizes": {"P1": {"n": 1000}, "P6": {"steps": 10}},
        "records": {
            "P1//tinkex": fanout(0.5, tinkex_cpu_s),
            "P1//raw": fanout(0.4, 0.2),
            "P6//tinkex": fanout(0.1, 0.02),
            "P6//raw": fanout(0.1, 0.01),
        },
    }
