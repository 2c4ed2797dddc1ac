"""The benchmark's verdicts: server-bound misses, P8 scaling, P9 leftovers, and the CI guard."""

from __future__ import annotations

import math
from typing import Any

import pytest

from benchmarks import guard, report, targets


def _p1(tinkex_cpu: float, raw_cpu: float, *, busy: float = 0.5) -> dict[str, Any]:
    def client(cpu: float, rate: float) -> dict[str, Any]:
        return {"client_cpu_us_per_sample": cpu, "samples_per_s": rate, "server_busy": busy}

    return {"scenarios": {"P1": {"tinkex": client(tinkex_cpu, 900.0), "raw": client(raw_cpu, 1e3)}}}


def _point(count: int, rate: float, server: float, machine: float) -> dict[str, Any]:
    return {
        "processes": count,
        "samples_per_s": rate,
        "server_busy": server,
        "machine_busy": machine,
        "speedup": rate / 1000.0,
    }


def _target(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in rows if r["target"] == name)


def test_guard_fails_a_run_whose_tinkex_cpu_per_sample_is_over_twice_the_raw_loops() -> None:
    passed, line = guard.check(_p1(450.0, 200.0))
    assert not passed
    assert "guard FAILED" in line
    assert "tinkex 450 µs" in line
    assert "raw aiohttp 200 µs" in line
    assert "2.25x" in line


def test_guard_passes_under_the_limit_and_names_the_ratio() -> None:
    passed, line = guard.check(_p1(300.0, 200.0))
    assert passed
    assert "1.50x" in line


def test_guard_has_nothing_to_check_without_both_p1_rows() -> None:
    summary = _p1(450.0, 200.0)
    del summary["scenarios"]["P1"]["raw"]
    passed, line = guard.check(summary)
    assert passed
    assert "nothing to check" in line
    assert math.isnan(guard.p1_cpu_ratio({"scenarios": {}}))


@pytest.mark.parametrize(
    ("value", "busy", "status"),
    [
        (0.70, 0.95, targets.SERVER_BOUND),  # missed, but the server was full
        (0.70, 0.60, targets.MISSED),  # missed with the server idle: the client's fault
        (0.90, 0.95, targets.MET),  # met is met, whatever the server did
    ],
)
def test_a_throughput_miss_is_server_bound_only_when_the_server_was_saturated(
    value: float, busy: float, status: str
) -> None:
    scenario = {"tinkex": {"server_busy": busy}, "raw": {"server_busy": 0.97}}
    verdict = targets.throughput_row("P1 x", ">= 0.85x", value, 0.85, scenario)
    assert verdict["status"] == status
    assert verdict["met"] is (status == targets.MET)
    assert f"server busy {busy * 100:.0f} % of a core; raw row 97 %" in verdict["note"]


def test_p8_scaling_without_saturation_is_met() -> None:
    points = {
        "1": _point(1, 1000.0, 0.3, 0.3),
        "2": _point(2, 1900.0, 0.55, 0.6),
        "4": _point(4, 3600.0, 0.8, 0.85),
    }
    verdict = targets.scaling_row(points, nproc=8)
    assert verdict["status"] == targets.MET
    assert verdict["value"] == pytest.approx(3.6)


def test_p8_saturated_at_one_process_says_there_is_no_headroom() -> None:
    points = {"1": _point(1, 1000.0, 0.8, 0.95), "2": _point(2, 950.0, 0.8, 1.0)}
    verdict = targets.scaling_row(points, nproc=2)
    assert verdict["status"] == targets.MACHINE_BOUND
    assert "already at 1 process" in verdict["note"]
    assert "all 2 cores 95 % busy" in verdict["note"]


def test_p8_stops_judging_where_the_server_saturates() -> None:
    points = {
        "1": _point(1, 1000.0, 0.5, 0.4),
        "2": _point(2, 1300.0, 0.93, 0.7),  # below ideal, but the server is full here
        "4": _point(4, 1250.0, 0.95, 0.8),
    }
    verdict = targets.scaling_row(points, nproc=4)
    assert verdict["status"] == targets.SERVER_BOUND
    assert verdict["note"].startswith("from 2 processes")


def test_p8_flat_throughput_with_idle_server_and_machine_is_missed() -> None:
    points = {"1": _point(1, 1000.0, 0.4, 0.4), "2": _point(2, 1050.0, 0.45, 0.5)}
    verdict = targets.scaling_row(points, nproc=4)
    assert verdict["status"] == targets.MISSED
    assert f"1 → 2 processes: 1.05{targets.TIMES}" in verdict["note"]


def test_p8_with_one_point_is_not_measured() -> None:
    verdict = targets.scaling_row({"1": _point(1, 1000.0, 0.4, 0.4)}, nproc=2)
    assert verdict["status"] == targets.NOT_MEASURED


def _p9_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "wall_s": 2.0,
        "client_cpu_s": 1.0,
        "server_cpu_s": 1.0,
        "samples": 4000,
        "rss_kib": [100_000, 102_000, 103_000, 104_000],
        "rss_warm_kib": 102_000,
        "rss_end_kib": 104_000,
        "pending_requests": 0,
        "live_api_futures": 0,
        "tasks_after_warmup": 2,
        "tasks_at_end": 2,
        "tasks_after_close": 0,
    }
    record.update(changes)
    return record


def _summarize(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    run = {"records": records, "sizes": {"P10": {"n": 100}}, "machine": {"nproc": 2}}
    return report.summarize(run)


def test_p9_judges_rss_growth_from_the_warm_up_and_counts_what_is_left() -> None:
    summary = _summarize({"P9//tinkex": [_p9_record()]})
    p9 = summary["scenarios"]["P9"]
    assert p9["rss_growth"] == pytest.approx(104_000 / 102_000 - 1)
    assert p9["rss_max_mib"] == pytest.approx(104_000 / 1024)
    growth = _target(summary["targets"], "P9 RSS growth after warm-up")
    assert growth["status"] == targets.MET
    assert growth["shown"] == "+2.0 %"
    left = _target(summary["targets"], "P9 tasks and futures left behind")
    assert left["status"] == targets.MET
    assert left["shown"] == "0"


@pytest.mark.parametrize(
    ("changes", "target"),
    [
        ({"rss_end_kib": 108_000}, "P9 RSS growth after warm-up"),
        ({"pending_requests": 1}, "P9 tasks and futures left behind"),
        ({"live_api_futures": 3}, "P9 tasks and futures left behind"),
        ({"tasks_at_end": 3}, "P9 tasks and futures left behind"),
        ({"tasks_after_close": 1}, "P9 tasks and futures left behind"),
    ],
)
def test_p9_growth_or_anything_left_behind_is_missed(changes: dict[str, Any], target: str) -> None:
    summary = _summarize({"P9//tinkex": [_p9_record(**changes)]})
    assert _target(summary["targets"], target)["status"] == targets.MISSED


def test_p10_compares_cpu_per_call_of_tinkex_sync_with_the_async_api() -> None:
    def rec(cpu_s: float) -> list[dict[str, Any]]:
        return [{"wall_s": 0.1, "client_cpu_s": cpu_s, "server_cpu_s": 0.05}]

    summary = _summarize(
        {
            "P10/sequential/tinkex": rec(0.030),
            "P10/sequential/sync": rec(0.033),
            "P10/fanout/tinkex": rec(0.020),
            "P10/fanout/sync": rec(0.030),
        }
    )
    assert summary["scenarios"]["P10"]["sequential"]["sync"]["cpu_us_per_call"] == 330.0
    sequential = _target(summary["targets"], "P10 tinkex.sync CPU per call vs async (sequential)")
    assert sequential["value"] == pytest.approx(1.1)
    assert sequential["status"] == targets.MET
    fanout = _target(summary["targets"], "P10 tinkex.sync CPU per call vs async (fanout)")
    assert fanout["status"] == targets.MISSED


def test_p1b_is_not_judged_when_tinkex_did_not_use_batch_polling() -> None:
    def rec(batch: bool | None) -> list[dict[str, Any]]:
        r: dict[str, Any] = {"wall_s": 0.5, "client_cpu_s": 0.1, "server_cpu_s": 0.1}
        if batch is not None:
            r["batch_polling"] = batch
        return [r]

    run = {
        "records": {"P1b//tinkex": rec(False), "P1b//raw": rec(None)},
        "sizes": {"P1b": {"n": 1000}},
        "machine": {"nproc": 2},
    }
    verdict = _target(
        report.summarize(run)["targets"], "P1b throughput (batch polling) vs raw per-future loop"
    )
    assert verdict["status"] == targets.NOT_MEASURED
    assert verdict["note"] == "tinkex did not use batch polling"
