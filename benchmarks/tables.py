"""One markdown table per scenario, from a summarized run (see `benchmarks.markdown`)."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.report import CLIENT_NAMES

NONE = "\u2013"  # an en dash: not measured
TIMES = "\u00d7"


def fmt(value: Any, digits: int = 1) -> str:
    """A number with thousands separators, or an en dash for NaN; anything else as text."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return NONE if math.isnan(value) else f"{value:,.{digits}f}"
    return str(value)


def _x(a: float, b: float) -> str:
    if math.isnan(a) or math.isnan(b) or not b:
        return NONE
    return f"{a / b:.2f}{TIMES}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table (and a blank line after it)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _nan() -> float:
    return math.nan


def _pct(share: float) -> str:
    return NONE if math.isnan(share) else f"{share * 100:.0f} %"


def _p1(d: dict[str, Any]) -> list[str]:
    o = d.get("official", {}).get("samples_per_s", _nan())
    r = d.get("raw", {}).get("samples_per_s", _nan())
    polling = {True: "batch", False: "per future"}
    rows = [
        [
            CLIENT_NAMES[c],
            polling.get(v.get("batch_polling"), "per future"),
            fmt(v["samples_per_s"], 0),
            fmt(v["client_cpu_us_per_sample"], 0),
            fmt(v["server_cpu_us_per_sample"], 0),
            _pct(v["server_busy"]),
            _x(v["samples_per_s"], o),
            _x(v["samples_per_s"], r),
        ]
        for c, v in d.items()
    ]
    header = [
        "client",
        "polling",
        "samples/s",
        "client CPU µs/sample",
        "server CPU µs/sample",
        "server busy (1 core)",
        "vs official",
        "vs raw",
    ]
    return table(header, rows)


def _p2(d: dict[str, Any]) -> list[str]:
    rows = []
    for variant, clients in d.items():
        o = clients.get("official", {}).get("client_cpu_ms", _nan())
        for c, v in clients.items():
            rows.append(
                [
                    variant,
                    CLIENT_NAMES[c],
                    fmt(v["wall_ms"]),
                    fmt(v["client_cpu_ms"]),
                    fmt(v["build_cpu_ms"]),
                    fmt(v["server_cpu_ms"], 0),
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
    return table(header, rows)


def _p3(d: dict[str, Any]) -> list[str]:
    rows = [
        [
            CLIENT_NAMES[c],
            fmt(v["p50_ms"], 2),
            fmt(v["p99_ms"], 2),
            fmt(v.get("added_p50_ms", _nan()), 2),
            fmt(v.get("added_p99_ms", _nan()), 2),
        ]
        for c, v in d.items()
    ]
    return table(["client", "p50 ms", "p99 ms", "added p50 ms (vs raw)", "added p99 ms"], rows)


def _p4(d: dict[str, Any]) -> list[str]:
    rows = [
        [
            CLIENT_NAMES[c],
            fmt(v["rss_before_mib"]),
            fmt(v["peak_growth_mib"]),
            fmt(v["payload_mib"]),
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
    return table(header, rows)


def _p5(d: dict[str, Any]) -> list[str]:
    names = {
        "tinkex": "`import tinkex`",
        "tinkex_client": "`import tinkex` + `tinkex.ServiceClient`, `tinkex.types.Datum`",
        "bare": "`import aiohttp, msgspec, numpy`",
        "official": "`import tinker` (official)",
    }
    bare = d.get("bare", {}).get("ms", _nan())
    rows = [[names[k], fmt(v["ms"], 0), _x(v["ms"], bare)] for k, v in d.items()]
    return table(["import", "median ms", "vs bare"], rows)


def _p6(d: dict[str, Any]) -> list[str]:
    o = d.get("official", {}).get("steps_per_s", _nan())
    r = d.get("raw", {}).get("steps_per_s", _nan())
    rows = [
        [
            CLIENT_NAMES[c],
            fmt(v["steps_per_s"]),
            fmt(v["client_cpu_ms_per_step"], 2),
            fmt(v["server_cpu_ms_per_step"], 2),
            _pct(v.get("server_busy", _nan())),
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
        "server busy (1 core)",
        "vs official",
        "vs raw",
    ]
    return table(header, rows)


def _p8(d: dict[str, Any]) -> list[str]:
    rows = [
        [
            str(v["processes"]),
            fmt(v["samples_per_s"], 0),
            fmt(v["speedup"], 2) + TIMES,
            fmt(v["client_cpu_us_per_sample"], 0),
            fmt(v["client_cores"], 2),
            _pct(v["server_busy"]),
            _pct(v["machine_busy"]),
        ]
        for v in d.values()
    ]
    header = [
        "processes",
        "samples/s (all)",
        "vs 1 process",
        "client CPU µs/sample",
        "client cores used",
        "server busy (1 core)",
        "machine busy (all cores)",
    ]
    return table(header, rows)


def _p9(d: dict[str, Any]) -> list[str]:
    if not d:
        return ["(failed: see Failures)", ""]
    rows = [
        [
            f"{d['samples']:,}",
            fmt(d["samples_per_s"], 0),
            fmt(d["client_cpu_us_per_sample"], 0),
            fmt(d["rss_warm_mib"]),
            fmt(d["rss_end_mib"]),
            fmt(d["rss_max_mib"]),
            f"{d['rss_growth'] * 100:+.1f} %",
            str(d["pending_requests"]),
            str(d["live_api_futures"]),
            str(d["tasks_added"]),
            str(d["tasks_after_close"]),
        ]
    ]
    header = [
        "samples",
        "samples/s",
        "client CPU µs/sample",
        "RSS after warm-up MiB",
        "RSS at end MiB",
        "RSS max MiB",
        "growth",
        "pending requests",
        "live APIFutures",
        "tasks added",
        "tasks after close",
    ]
    return table(header, rows)


def _p10(d: dict[str, Any]) -> list[str]:
    names = {"tinkex": "tinkex (async)", "sync": "tinkex.sync"}
    rows = []
    for variant, clients in d.items():
        base = clients.get("tinkex", {}).get("cpu_us_per_call", _nan())
        rows += [
            [
                variant,
                names[c],
                fmt(v["cpu_us_per_call"], 0),
                fmt(v["wall_us_per_call"], 0),
                _pct(v["server_busy"]),
                _x(v["cpu_us_per_call"], base),
            ]
            for c, v in clients.items()
        ]
    header = [
        "calls",
        "client",
        "client CPU µs/call",
        "wall µs/call",
        "server busy (1 core)",
        "CPU vs async",
    ]
    return table(header, rows)


RENDER = {
    "P1": _p1,
    "P1b": _p1,
    "P2": _p2,
    "P3": _p3,
    "P4": _p4,
    "P5": _p5,
    "P6": _p6,
    "P8": _p8,
    "P9": _p9,
    "P10": _p10,
}
