"""The targets (issue 14 and the ones that stand from round 1) and their verdicts.

A verdict is ``met``, ``missed``, ``not measured``, or, for a throughput target, one of two
bounds that are not the client's fault: ``server-bound`` when the benchmark server (one
asyncio process, so at most one core) was busy at least `SATURATED` of a core in the tinkex
row, and ``machine-bound`` (P8) when the machine's cores were that busy. A CPU-per-operation
target has no such excuse: the client's own CPU does not depend on who else is waiting.
"""

from __future__ import annotations

import math
from typing import Any

SATURATED = 0.9
"""Busy share (of one core for the server, of all cores for the machine) that counts as full."""

SCALING_EFFICIENCY = 0.75
"""P8: doubling the processes must give at least this share of double the throughput."""

TIMES = "\u00d7"  # the multiplication sign, in notes

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"
SERVER_BOUND, MACHINE_BOUND = "server-bound", "machine-bound"


def pct(share: float) -> str:
    """A share as a whole percentage (``0.93`` -> ``93 %``)."""
    return f"{share * 100:.0f} %"


def get(d: Any, *path: str) -> float:
    """The number at `path` in nested dicts, or NaN when any part is missing."""
    for part in path:
        if not isinstance(d, dict) or part not in d:
            return math.nan
        d = d[part]
    return float(d) if isinstance(d, int | float) else math.nan


def ratio(a: float, b: float) -> float:
    """a / b, NaN when either is missing or b is zero."""
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def row(
    name: str,
    goal: str,
    value: float,
    met: bool,
    *,
    status: str | None = None,
    note: str = "",
    shown: str | None = None,
) -> dict[str, Any]:
    """One target: what, the goal, the measured value, the verdict and why (``note``).

    ``shown`` replaces the measured value's default rendering (two decimals).
    """
    if status is None:
        status = NOT_MEASURED if math.isnan(value) else MET if met else MISSED
    flag = {MET: True, NOT_MEASURED: None}.get(status, False)
    return {
        "target": name,
        "goal": goal,
        "value": value,
        "met": flag,
        "status": status,
        "note": note,
        **({"shown": shown} if shown is not None else {}),
    }


def throughput_row(
    name: str, goal: str, value: float, minimum: float, scenario: dict[str, Any]
) -> dict[str, Any]:
    """A throughput target; a miss while the server was saturated is ``server-bound``."""
    busy = get(scenario, "tinkex", "server_busy")
    note = "" if math.isnan(busy) else f"server busy {pct(busy)} of a core"
    raw = get(scenario, "raw", "server_busy")
    if note and not math.isnan(raw):
        note += f"; raw row {pct(raw)}"
    if math.isnan(value) or value >= minimum or math.isnan(busy) or busy < SATURATED:
        return row(name, goal, value, value >= minimum, note=note)
    return row(name, goal, value, False, status=SERVER_BOUND, note=note)


def _saturated(point: dict[str, Any]) -> str | None:
    if get(point, "server_busy") >= SATURATED:
        return SERVER_BOUND
    if get(point, "machine_busy") >= SATURATED:
        return MACHINE_BOUND
    return None


def _bound_note(point: dict[str, Any], nproc: int) -> str:
    count = int(point["processes"])
    where = (
        "already at 1 process: no headroom to scale on this machine"
        if count == 1
        else (f"from {count} processes")
    )
    return (
        f"{where}; server busy {pct(point['server_busy'])} of a core, all {nproc} cores "
        f"{pct(get(point, 'machine_busy'))} busy"
    )


def scaling_row(points: dict[str, Any], nproc: int) -> dict[str, Any]:
    """P8: throughput grows with the processes until the server (or the machine) is full.

    Walks the process counts in order. A step that gives less than `SCALING_EFFICIENCY` of
    the ideal gain is a miss unless the server or the machine was saturated at either end of
    it; past a saturated point nothing more is judged (more processes cannot help).
    """
    name, goal = "P8 aggregate throughput vs processes", "scales until the server saturates"
    ordered = sorted(points.values(), key=lambda p: int(p["processes"]))
    if len(ordered) < 2:
        return row(name, goal, math.nan, False)
    top = ordered[-1]
    value = get(top, "speedup")
    prev = ordered[0]
    for point in ordered[1:]:
        bound = _saturated(prev)
        if bound is not None:
            return row(name, goal, value, False, status=bound, note=_bound_note(prev, nproc))
        ideal = point["processes"] / prev["processes"]
        gain = ratio(point["samples_per_s"], prev["samples_per_s"])
        if not gain >= SCALING_EFFICIENCY * ideal:
            bound = _saturated(point)
            if bound is not None:
                note = _bound_note(point, nproc)
                return row(name, goal, value, False, status=bound, note=note)
            note = (
                f"{prev['processes']} → {point['processes']} processes: {gain:.2f}{TIMES} with the "
                f"server {pct(point['server_busy'])} and the machine "
                f"{pct(get(point, 'machine_busy'))} busy"
            )
            return row(name, goal, value, False, note=note)
        prev = point
    bound = _saturated(top)
    if bound is not None:
        return row(name, goal, value, False, status=bound, note=_bound_note(top, nproc))
    return row(
        name, goal, value, True, note=f"{top['processes']} processes: {value:.2f}{TIMES} of 1"
    )


def _p9_rows(p9: dict[str, Any]) -> list[dict[str, Any]]:
    growth = get(p9, "rss_growth")
    left = math.nan
    note = ""
    if p9:
        counts = {
            "pending requests": p9["pending_requests"],
            "live APIFutures": p9["live_api_futures"],
            "tasks added": p9["tasks_added"],
            "tasks after close": p9["tasks_after_close"],
        }
        left = float(sum(counts.values()))
        note = ", ".join(f"{k} {v}" for k, v in counts.items())
    rss_note = "" if not p9 else f"{p9['rss_warm_mib']:.1f} → {p9['rss_end_mib']:.1f} MiB"
    return [
        row(
            "P9 RSS growth after warm-up",
            "<= 5 %",
            growth * 100,
            growth <= 0.05,
            note=rss_note,
            shown=None if math.isnan(growth) else f"{growth * 100:+.1f} %",
        ),
        row(
            "P9 tasks and futures left behind",
            "0",
            left,
            left == 0,
            note=note,
            shown=None if math.isnan(left) else f"{left:.0f}",
        ),
    ]


def judge(s: dict[str, Any], nproc: int) -> list[dict[str, Any]]:
    """Every target with its verdict, from the summarized scenarios."""
    out = []
    p1 = s.get("P1", {})
    t = ratio(get(p1, "tinkex", "samples_per_s"), get(p1, "official", "samples_per_s"))
    out.append(row("P1 throughput vs official", ">= 8x", t, t >= 8))
    t = ratio(
        get(p1, "tinkex", "client_cpu_us_per_sample"), get(p1, "raw", "client_cpu_us_per_sample")
    )
    out.append(row("P1 client CPU per sample vs raw aiohttp", "<= 1.25x", t, t <= 1.25))
    t = ratio(get(p1, "tinkex", "samples_per_s"), get(p1, "raw", "samples_per_s"))
    out.append(throughput_row("P1 throughput vs raw aiohttp", ">= 0.85x", t, 0.85, p1))
    p1b = s.get("P1b", {})
    t = ratio(get(p1b, "tinkex", "samples_per_s"), get(p1b, "raw", "samples_per_s"))
    b = throughput_row(
        "P1b throughput (batch polling) vs raw per-future loop", ">= 1.3x", t, 1.3, p1b
    )
    official = ratio(get(p1b, "official", "samples_per_s"), get(p1b, "raw", "samples_per_s"))
    if not math.isnan(official):
        b["note"] += f"; official SDK in the same mode {official:.2f}{TIMES}"
    if p1b.get("tinkex", {}).get("batch_polling") is False:
        b.update(status=NOT_MEASURED, met=None, note="tinkex did not use batch polling")
    out.append(b)
    for variant, goal in (("numpy", 0.40), ("list", 0.50)):
        t = ratio(
            get(s, "P2", variant, "tinkex", "client_cpu_ms"),
            get(s, "P2", variant, "official", "client_cpu_ms"),
        )
        out.append(row(f"P2 client CPU vs official ({variant})", f"<= {goal:.2f}x", t, t <= goal))
    t = get(s, "P3", "tinkex", "added_p50_ms")
    out.append(row("P3 added latency p50 (ms)", "<= 1 ms", t, t <= 1.0))
    t = get(s, "P4", "tinkex", "growth_over_payload")
    out.append(row("P4 peak RSS growth / payload", "<= 1.5x", t, t <= 1.5))
    t = ratio(get(s, "P5", "tinkex_client", "ms"), get(s, "P5", "bare", "ms"))
    out.append(row("P5 import (client ready) vs bare imports", "<= 1.3x", t, t <= 1.3))
    p6 = s.get("P6", {})
    t = ratio(get(p6, "tinkex", "steps_per_s"), get(p6, "raw", "steps_per_s"))
    out.append(throughput_row("P6 train loop throughput vs raw aiohttp", ">= 0.95x", t, 0.95, p6))
    out.append(scaling_row(s.get("P8", {}), nproc))
    out += _p9_rows(s.get("P9", {}))
    for variant in ("sequential", "fanout"):
        t = ratio(
            get(s, "P10", variant, "sync", "cpu_us_per_call"),
            get(s, "P10", variant, "tinkex", "cpu_us_per_call"),
        )
        out.append(
            row(f"P10 tinkex.sync CPU per call vs async ({variant})", "<= 1.2x", t, t <= 1.2)
        )
    return out
