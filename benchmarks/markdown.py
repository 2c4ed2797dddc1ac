"""Render a summarized run as markdown (the generated part of RESULTS.md)."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.report import CLIENT_NAMES
from benchmarks.sizes import TITLES

NONE = "\u2013"  # an en dash: not measured
TIMES = "\u00d7"


def _f(value: Any, digits: int = 1) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return NONE if math.isnan(value) else f"{value:,.{digits}f}"
    return str(value)


def _x(a: float, b: float) -> str:
    if math.isnan(a) or math.isnan(b) or not b:
        return NONE
    return f"{a / b:.2f}{TIMES}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _nan() -> float:
    return math.nan


def _p1(d: dict[str, Any]) -> list[str]:
    o = d.get("official", {}).get("samples_per_s", _nan())
    r = d.get("raw", {}).get("samples_per_s", _nan())
    rows = [
        [
            CLIENT_NAMES[c],
            _f(v["samples_per_s"], 0),
            _f(v["client_cpu_us_per_sample"], 0),
            _f(v["server_cpu_us_per_sample"], 0),
            f"{v['server_busy'] * 100:.0f} %",
            _x(v["samples_per_s"], o),
            _x(v["samples_per_s"], r),
        ]
        for c, v in d.items()
    ]
    header = [
        "client",
        "samples/s",
        "client CPU µs/sample",
        "server CPU µs/sample",
        "server busy (1 core)",
        "vs official",
        "vs raw",
    ]
    return _table(header, rows)


def _p2(d: dict[str, Any]) -> list[str]:
    rows = []
    for variant, clients in d.items():
        o = clients.get("official", {}).get("client_cpu_ms", _nan())
        for c, v in clients.items():
            rows.append(
                [
                    variant,
                    CLIENT_NAMES[c],
                    _f(v["wall_ms"]),
                    _f(v["client_cpu_ms"]),
                    _f(v["build_cpu_ms"]),
                    _f(v["server_cpu_ms"], 0),
                    _x(v["client_cpu_ms"], o),
                ]
            )
    header = [
        "inputs",
        "client",
        "call→result wall ms",
        "client CPU ms",
        "Datum build CPU ms (before the call)",
        "server CPU ms",
        "CPU vs official",
    ]
    return _table(header, rows)


def _p3(d: dict[str, Any]) -> list[str]:
    rows = [
        [
            CLIENT_NAMES[c],
            _f(v["p50_ms"], 2),
            _f(v["p99_ms"], 2),
            _f(v.get("added_p50_ms", _nan()), 2),
            _f(v.get("added_p99_ms", _nan()), 2),
        ]
        for c, v in d.items()
    ]
    return _table(["client", "p50 ms", "p99 ms", "added p50 ms (vs raw)", "added p99 ms"], rows)


def _p4(d: dict[str, Any]) -> list[str]:
    rows = [
        [
            CLIENT_NAMES[c],
            _f(v["rss_before_mib"]),
            _f(v["peak_growth_mib"]),
            _f(v["payload_mib"]),
            f"{v['growth_over_payload']:.2f}{TIMES}",
        ]
        for c, v in d.items()
    ]
    header = [
        "client",
        "RSS before call MiB",
        "peak RSS growth MiB",
        "payload MiB",
        "growth / payload",
    ]
    return _table(header, rows)


def _p5(d: dict[str, Any]) -> list[str]:
    names = {
        "tinkex": "`import tinkex`",
        "tinkex_client": "`import tinkex` + `tinkex.ServiceClient`, `tinkex.types.Datum`",
        "bare": "`import aiohttp, msgspec, numpy`",
        "official": "`import tinker` (official)",
    }
    bare = d.get("bare", {}).get("ms", _nan())
    rows = [[names[k], _f(v["ms"], 0), _x(v["ms"], bare)] for k, v in d.items()]
    return _table(["import", "median ms", "vs bare"], rows)


def _p6(d: dict[str, Any]) -> list[str]:
    o = d.get("official", {}).get("steps_per_s", _nan())
    r = d.get("raw", {}).get("steps_per_s", _nan())
    rows = [
        [
            CLIENT_NAMES[c],
            _f(v["steps_per_s"]),
            _f(v["client_cpu_ms_per_step"], 2),
            _f(v["server_cpu_ms_per_step"], 2),
            _x(v["steps_per_s"], o),
            _x(v["steps_per_s"], r),
        ]
        for c, v in d.items()
    ]
    header = [
        "client",
        "steps/s",
        "client CPU ms/step",
        "server CPU ms/step",
        "vs official",
        "vs raw",
    ]
    return _table(header, rows)


RENDER = {"P1": _p1, "P2": _p2, "P3": _p3, "P4": _p4, "P5": _p5, "P6": _p6}


def render(run: dict[str, Any], summary: dict[str, Any]) -> str:
    """The markdown: machine, targets, one table per scenario, failures."""
    m = run["machine"]
    lines = [
        f"Run: {run['started_utc']}, mode **{run['mode']}**, {run['reps']} repetition(s), "
        f"{run['duration_s']} s; checkout `{m['git_commit']}`"
        f"{' (uncommitted changes)' if m['git_dirty'] else ''}.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_gib']} GiB, {m['os']}, "
        f"Python {m['python']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['loadavg_start'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in m.get('loadavg_end', ()))}.",
        "",
        f"Official SDK: {run['official_sdk']}.",
        "",
        *(
            ["Smoke sizes: the verdicts below mean nothing (CI checks only that it runs).", ""]
            if run["mode"] == "smoke"
            else []
        ),
        "### Targets",
        "",
    ]
    verdict = {True: "met", False: "**missed**", None: "not measured"}
    rows = [
        [t["target"], t["goal"], _f(t["value"], 2), verdict[t["met"]]] for t in summary["targets"]
    ]
    lines += _table(["target", "goal", "measured", "verdict"], rows)
    for scenario, data in summary["scenarios"].items():
        lines += [f"### {scenario} {run_title(scenario)} ({_sizes(run['sizes'][scenario])})", ""]
        lines += RENDER[scenario](data)
    failures = [
        f"- `{key}` rep {i + 1}: {r['error']}"
        for key, reps in run["records"].items()
        for i, r in enumerate(reps)
        if "error" in r
    ]
    if failures:
        lines += ["### Failures", "", *failures, ""]
    return "\n".join(lines)


def run_title(scenario: str) -> str:
    """A scenario's short title."""
    return TITLES[scenario]


def _sizes(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())
