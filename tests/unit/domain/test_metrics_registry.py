"""Tests for the in-process metrics registry."""

from __future__ import annotations

import threading

import pytest

from tinkex.errors import ConfigError
from tinkex.metrics import (
    REQUEST_DURATION_MS,
    REQUESTS_FAILURE,
    REQUESTS_SUCCESS,
    REQUESTS_TOTAL,
    Metrics,
)


def test_counters_and_gauges_accumulate_and_overwrite() -> None:
    metrics = Metrics()
    metrics.increment("a")
    metrics.increment("a", 2.5)
    metrics.set_gauge("g", 4)
    metrics.set_gauge("g", 7)
    snap = metrics.snapshot()
    assert snap["counters"] == {"a": 3.5}
    assert snap["gauges"] == {"g": 7}


def test_histogram_percentiles_follow_median_and_nearest_rank() -> None:
    metrics = Metrics()
    for value in range(1, 101):  # 1..100, recorded out of order
        metrics.record("lat", float((value * 37) % 100 + 1))
    stats = metrics.snapshot()["histograms"]["lat"]
    assert stats["count"] == 100
    assert stats["mean"] == pytest.approx(50.5)
    assert (stats["min"], stats["max"]) == (1.0, 100.0)
    assert stats["p50"] == 50.5
    assert (stats["p90"], stats["p95"], stats["p99"]) == (90.0, 95.0, 99.0)


@pytest.mark.parametrize(
    ("values", "p50", "p99"),
    [([5.0], 5.0, 5.0), ([3.0, 1.0, 2.0], 2.0, 3.0), ([4.0, 1.0], 2.5, 4.0)],
)
def test_small_histograms(values: list[float], p50: float, p99: float) -> None:
    metrics = Metrics()
    for value in values:
        metrics.record("h", value)
    stats = metrics.snapshot()["histograms"]["h"]
    assert (stats["p50"], stats["p99"]) == (p50, p99)


def test_percentiles_come_from_the_recent_window_and_totals_from_all_time() -> None:
    metrics = Metrics(max_samples=10)
    for value in range(1000, 1010):
        metrics.record("h", float(value))
    for value in range(10):
        metrics.record("h", float(value))
    stats = metrics.snapshot()["histograms"]["h"]
    assert stats["count"] == 20
    assert stats["max"] == 1009.0
    assert stats["p99"] == 9.0
    assert stats["p50"] == 4.5


def test_record_request_counts_outcomes_and_durations() -> None:
    metrics = Metrics()
    metrics.record_request(12.0, ok=True)
    metrics.record_request(30.0, ok=False)
    metrics.record_request(18.0, ok=True)
    snap = metrics.snapshot()
    assert snap["counters"] == {REQUESTS_TOTAL: 3, REQUESTS_SUCCESS: 2, REQUESTS_FAILURE: 1}
    assert snap["histograms"][REQUEST_DURATION_MS]["p50"] == 18.0


def test_reset_forgets_everything_and_snapshots_are_copies() -> None:
    metrics = Metrics()
    metrics.increment("a")
    metrics.record("h", 1.0)
    snap = metrics.snapshot()
    metrics.reset()
    assert snap["counters"] == {"a": 1}
    assert metrics.snapshot() == {"counters": {}, "gauges": {}, "histograms": {}}


def test_disabled_registry_records_nothing() -> None:
    metrics = Metrics(enabled=False)
    metrics.increment("a")
    metrics.set_gauge("g", 1)
    metrics.record_request(1.0, ok=True)
    assert metrics.snapshot() == {"counters": {}, "gauges": {}, "histograms": {}}


def test_window_size_must_be_positive() -> None:
    with pytest.raises(ConfigError):
        Metrics(max_samples=0)


def test_concurrent_threads_lose_no_increments() -> None:
    metrics = Metrics()

    def work() -> None:
        for _ in range(2000):
            metrics.increment("n")
            metrics.record("h", 1.0)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = metrics.snapshot()
    assert snap["counters"]["n"] == 8000
    assert snap["histograms"]["h"]["count"] == 8000
    assert snap["histograms"]["h"]["mean"] == 1.0
