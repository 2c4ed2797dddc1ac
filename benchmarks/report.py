"""Turn raw records into medians, ratios, target verdicts, JSON and a markdown table."""

from __future__ import annotations

import math
import statistics
from typing import Any

from benchmarks.sizes import PAYLOAD_BYTES_PER_TOKEN
from benchmarks.workers.common import percentile

CLIENT_NAMES = {"tinkex": "tinkex", "official": "official tinker 0.38", "raw": "raw aiohttp"}


def _ok(records: dict[str, list[dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    return [r for r in records.get(key, []) if "error" not in r]


def _med(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _p1(rec: dict[str, list[dict[str, Any]]], sizes: dict[str, Any]) -> dict[str, Any]:
    n = sizes["n"]
    out: dict[str, Any] = {}
    for client in ("tinkex", "official", "raw"):
        reps = _ok(rec, f"P1//{client}")
        if reps:
            out[client] = {
                "samples_per_s": _med([n / r["wall_s"] for r in reps]),
                "client_cpu_us_per_sample": _med([r["client_cpu_s"] / n * 1e6 for r in reps]),
                "server_cpu_us_per_sample": _med([r["server_cpu_s"] / n * 1e6 for r in reps]),
                "server_busy": _med([r["server_cpu_s"] / r["wall_s"] for r in reps]),
                "reps": len(reps),
            }
    return out


def _p2(rec: dict[str, list[dict[str, Any]]], variant: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for client in ("tinkex", "official", "raw"):
        runs = [run for r in _ok(rec, f"P2/{variant}/{client}") for run in r["runs"]]
        if runs:
            out[client] = {
                "wall_ms": _med([r["wall_s"] * 1e3 for r in runs]),
                "client_cpu_ms": _med([r["client_cpu_s"] * 1e3 for r in runs]),
                "build_cpu_ms": _med([r["build_cpu_s"] * 1e3 for r in runs]),
                "server_cpu_ms": _med([r["server_cpu_s"] * 1e3 for r in runs]),
                "runs": len(runs),
            }
    return out


def _p3(rec: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for client in ("tinkex", "official", "raw"):
        lat = [x * 1e3 for r in _ok(rec, f"P3//{client}") for x in r["latencies_s"]]
        if lat:
            out[client] = {"p50_ms": percentile(lat, 0.5), "p99_ms": percentile(lat, 0.99)}
    if "raw" in out:
        for values in out.values():
            values["added_p50_ms"] = values["p50_ms"] - out["raw"]["p50_ms"]
            values["added_p99_ms"] = values["p99_ms"] - out["raw"]["p99_ms"]
    return out


def _p4(rec: dict[str, list[dict[str, Any]]], sizes: dict[str, Any]) -> dict[str, Any]:
    payload = sizes["datums"] * sizes["tokens"] * PAYLOAD_BYTES_PER_TOKEN
    out: dict[str, Any] = {}
    for client in ("tinkex", "official"):
        reps = _ok(rec, f"P4/numpy/{client}")
        if reps:
            grow = _med([(r["rss_peak_kib"] - r["rss_before_kib"]) * 1024 for r in reps])
            out[client] = {
                "rss_before_mib": _med([r["rss_before_kib"] / 1024 for r in reps]),
                "peak_growth_mib": grow / 2**20,
                "payload_mib": payload / 2**20,
                "growth_over_payload": grow / payload,
            }
    return out


def _p5(rec: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("tinkex", "tinkex_client", "bare", "official"):
        times = [r["s"] * 1e3 for r in _ok(rec, f"P5//{key}")]
        if times:
            out[key] = {"ms": _med(times), "rounds": len(times)}
    return out


def _p6(rec: dict[str, list[dict[str, Any]]], sizes: dict[str, Any]) -> dict[str, Any]:
    steps = sizes["steps"]
    out: dict[str, Any] = {}
    for client in ("tinkex", "official", "raw"):
        reps = _ok(rec, f"P6//{client}")
        if reps:
            out[client] = {
                "steps_per_s": _med([steps / r["wall_s"] for r in reps]),
                "client_cpu_ms_per_step": _med([r["client_cpu_s"] / steps * 1e3 for r in reps]),
                "server_cpu_ms_per_step": _med([r["server_cpu_s"] / steps * 1e3 for r in reps]),
            }
    return out


def summarize(run: dict[str, Any]) -> dict[str, Any]:
    """Medians per scenario and client, plus the targets with their verdicts."""
    rec, sizes = run["records"], run["sizes"]
    s: dict[str, Any] = {}
    keys = {k.split("/")[0] for k in rec}
    if "P1" in keys:
        s["P1"] = _p1(rec, sizes["P1"])
    if "P2" in keys:
        s["P2"] = {v: _p2(rec, v) for v in ("numpy", "list")}
    if "P3" in keys:
        s["P3"] = _p3(rec)
    if "P4" in keys:
        s["P4"] = _p4(rec, sizes["P4"])
    if "P5" in keys:
        s["P5"] = _p5(rec)
    if "P6" in keys:
        s["P6"] = _p6(rec, sizes["P6"])
    return {"scenarios": s, "targets": _targets(s)}


def _get(d: Any, *path: str) -> float:
    for part in path:
        if not isinstance(d, dict) or part not in d:
            return math.nan
        d = d[part]
    return float(d)


def _targets(s: dict[str, Any]) -> list[dict[str, Any]]:
    def row(name: str, goal: str, value: float, met: bool) -> dict[str, Any]:
        return {
            "target": name,
            "goal": goal,
            "value": value,
            "met": None if math.isnan(value) else met,
        }

    out = []
    t = _ratio(_get(s, "P1", "tinkex", "samples_per_s"), _get(s, "P1", "official", "samples_per_s"))
    out.append(row("P1 throughput vs official", ">= 8x", t, t >= 8))
    t = _ratio(_get(s, "P1", "tinkex", "samples_per_s"), _get(s, "P1", "raw", "samples_per_s"))
    out.append(row("P1 throughput vs raw aiohttp", ">= 0.8x", t, t >= 0.8))
    for variant in ("numpy", "list"):
        t = _ratio(
            _get(s, "P2", variant, "tinkex", "client_cpu_ms"),
            _get(s, "P2", variant, "official", "client_cpu_ms"),
        )
        out.append(row(f"P2 client CPU vs official ({variant})", "<= 0.5x", t, t <= 0.5))
    t = _get(s, "P3", "tinkex", "added_p50_ms")
    out.append(row("P3 added latency p50 (ms)", "<= 1 ms", t, t <= 1.0))
    t = _get(s, "P4", "tinkex", "growth_over_payload")
    out.append(row("P4 peak RSS growth / payload", "<= 1.5x", t, t <= 1.5))
    t = _ratio(_get(s, "P5", "tinkex_client", "ms"), _get(s, "P5", "bare", "ms"))
    out.append(row("P5 import (client ready) vs bare imports", "<= 1.3x", t, t <= 1.3))
    return out
