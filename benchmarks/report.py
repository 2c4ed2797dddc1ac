"""Turn raw records into medians, ratios, target verdicts, JSON and a markdown table."""

from __future__ import annotations

import math
import statistics
from typing import Any

from benchmarks import targets
from benchmarks.sizes import PAYLOAD_BYTES_PER_TOKEN
from benchmarks.workers.common import percentile

CLIENT_NAMES = {"tinkex": "tinkex", "official": "official tinker 0.38", "raw": "raw aiohttp"}


def _ok(records: dict[str, list[dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    return [r for r in records.get(key, []) if "error" not in r]


def _med(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _p1(rec: dict[str, list[dict[str, Any]]], sizes: dict[str, Any], name: str) -> dict[str, Any]:
    n = sizes["n"]
    out: dict[str, Any] = {}
    for client in ("tinkex", "official", "raw"):
        reps = _ok(rec, f"{name}//{client}")
        if reps:
            out[client] = {
                "samples_per_s": _med([n / r["wall_s"] for r in reps]),
                "client_cpu_us_per_sample": _med([r["client_cpu_s"] / n * 1e6 for r in reps]),
                "server_cpu_us_per_sample": _med([r["server_cpu_s"] / n * 1e6 for r in reps]),
                "server_busy": _med([r["server_cpu_s"] / r["wall_s"] for r in reps]),
                "reps": len(reps),
            }
            if "batch_polling" in reps[0]:
                out[client]["batch_polling"] = all(r["batch_polling"] for r in reps)
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
                "server_busy": _med([r["server_cpu_s"] / r["wall_s"] for r in reps]),
            }
    return out


def _p8(rec: dict[str, list[dict[str, Any]]], sizes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for count in sizes["processes"]:
        reps = _ok(rec, f"P8/{count}/tinkex")
        if reps:
            out[str(count)] = {
                "processes": count,
                "samples_per_s": _med([r["samples"] / r["wall_s"] for r in reps]),
                "client_cpu_us_per_sample": _med(
                    [r["client_cpu_s"] / r["samples"] * 1e6 for r in reps]
                ),
                "client_cores": _med([r["client_cpu_s"] / r["wall_s"] for r in reps]),
                "server_busy": _med([r["server_cpu_s"] / r["wall_s"] for r in reps]),
                "machine_busy": _med([_num(r.get("machine_busy")) for r in reps]),
                "reps": len(reps),
            }
    one = out.get(str(min(sizes["processes"])), {}).get("samples_per_s", math.nan)
    for point in out.values():
        point["speedup"] = _ratio(point["samples_per_s"], one)
    return out


def _p9(rec: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    reps = _ok(rec, "P9//tinkex")
    if not reps:
        return {}
    r = reps[0]  # a soak: measured once (sizes.ONCE)
    return {
        "samples": r["samples"],
        "samples_per_s": r["samples"] / r["wall_s"],
        "client_cpu_us_per_sample": r["client_cpu_s"] / r["samples"] * 1e6,
        "rss_warm_mib": r["rss_warm_kib"] / 1024,
        "rss_end_mib": r["rss_end_kib"] / 1024,
        "rss_max_mib": max(r["rss_kib"]) / 1024,
        "rss_growth": r["rss_end_kib"] / r["rss_warm_kib"] - 1,
        "pending_requests": r["pending_requests"],
        "live_api_futures": r["live_api_futures"],
        "tasks_added": r["tasks_at_end"] - r["tasks_after_warmup"],
        "tasks_after_close": r["tasks_after_close"],
    }


def _p10(rec: dict[str, list[dict[str, Any]]], sizes: dict[str, Any]) -> dict[str, Any]:
    n = sizes["n"]
    out: dict[str, Any] = {}
    for variant in ("sequential", "fanout"):
        clients: dict[str, Any] = {}
        for client in ("tinkex", "sync"):
            reps = _ok(rec, f"P10/{variant}/{client}")
            if reps:
                clients[client] = {
                    "cpu_us_per_call": _med([r["client_cpu_s"] / n * 1e6 for r in reps]),
                    "wall_us_per_call": _med([r["wall_s"] / n * 1e6 for r in reps]),
                    "server_busy": _med([r["server_cpu_s"] / r["wall_s"] for r in reps]),
                }
        if clients:
            out[variant] = clients
    return out


def summarize(run: dict[str, Any]) -> dict[str, Any]:
    """Medians per scenario and client, plus the targets with their verdicts."""
    rec, sizes = run["records"], run["sizes"]
    s: dict[str, Any] = {}
    keys = {k.split("/")[0] for k in rec}
    for name in ("P1", "P1b"):
        if name in keys:
            s[name] = _p1(rec, sizes[name], name)
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
    if "P8" in keys:
        s["P8"] = _p8(rec, sizes["P8"])
    if "P9" in keys:
        s["P9"] = _p9(rec)
    if "P10" in keys:
        s["P10"] = _p10(rec, sizes["P10"])
    return {"scenarios": s, "targets": targets.judge(s, run["machine"].get("nproc") or 1)}
