"""An in-process metrics registry: counters, gauges and latency histograms.

`Metrics` is a plain object (no global instance, so two SDK owners keep separate numbers). Each
histogram keeps its all-time count, sum, min and max, and the most recent `max_samples` values
(a sliding window); percentiles are computed exactly from that window at snapshot time: p50 is
the true median (mean of the middle two for an even count), p90/p95/p99 use nearest rank
(index ``ceil(n * p / 100) - 1`` of the sorted window). An empty histogram reports None stats.

Thread safety: every method takes one short lock, so recording from worker threads (e.g. a
codec running in ``asyncio.to_thread``) is safe; on a single event loop the lock is never
contended and costs a few hundred nanoseconds.

The request counters that the telemetry wrapper feeds are named by the constants below
(``tinkex_requests_total``, ``..._success``, ``..._failure`` and the
``tinkex_request_duration_ms`` histogram) and recorded together by `Metrics.record_request`.

This is the zero-setup snapshot. An application that exports metrics (Prometheus, OTLP...)
gets richer ones through the OpenTelemetry metrics API instead (`tinkex.flows.otel_metrics`,
listed in ``docs/guides/observability.md``).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from typing import Final, TypedDict

from tinkex.errors import ConfigError

__all__ = [
    "REQUESTS_FAILURE",
    "REQUESTS_SUCCESS",
    "REQUESTS_TOTAL",
    "REQUEST_DURATION_MS",
    "HistogramStats",
    "Metrics",
    "MetricsSnapshot",
]

REQUESTS_TOTAL: Final = "tinkex_requests_total"
REQUESTS_SUCCESS: Final = "tinkex_requests_success"
REQUESTS_FAILURE: Final = "tinkex_requests_failure"
REQUEST_DURATION_MS: Final = "tinkex_request_duration_ms"

_PERCENTILES: Final = (90, 95, 99)


class HistogramStats(TypedDict):
    """Summary of one histogram; every statistic is None while it is empty."""

    count: int
    mean: float | None
    min: float | None
    max: float | None
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None


class MetricsSnapshot(TypedDict):
    """A point-in-time copy of every metric."""

    counters: dict[str, float]
    gauges: dict[str, float]
    histograms: dict[str, HistogramStats]


@dataclass
class _Histogram:
    window: deque[float]
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf

    def add(self, value: float) -> None:
        self.window.append(value)
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)

    def stats(self) -> HistogramStats:
        if not self.count:
            return HistogramStats(
                count=0, mean=None, min=None, max=None, p50=None, p90=None, p95=None, p99=None
            )
        ordered = sorted(self.window)
        n = len(ordered)
        mid = n // 2
        median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        ranks = {p: ordered[max(0, math.ceil(n * p / 100) - 1)] for p in _PERCENTILES}
        return HistogramStats(
            count=self.count,
            mean=self.total / self.count,
            min=self.low,
            max=self.high,
            p50=median,
            p90=ranks[90],
            p95=ranks[95],
            p99=ranks[99],
        )


class Metrics:
    """Counters, gauges and histograms kept in memory.

    Args:
        max_samples: Size of each histogram's sliding window of recent values.
        enabled: When False every recording method is a no-op (snapshots stay empty).

    Raises:
        ConfigError: `max_samples` is below 1.
    """

    def __init__(self, *, max_samples: int = 1000, enabled: bool = True) -> None:
        if max_samples < 1:
            raise ConfigError(f"max_samples must be >= 1, got {max_samples}")
        self._max_samples = max_samples
        self._enabled = enabled
        self._lock = threading.Lock()
        self._counters: dict[str, float] = {}
        self._gauges: dict[str, float] = {}
        self._histograms: dict[str, _Histogram] = {}

    def increment(self, name: str, delta: float = 1) -> None:
        """Add `delta` to a counter (created at 0)."""
        if self._enabled:
            with self._lock:
                self._counters[name] = self._counters.get(name, 0) + delta

    def set_gauge(self, name: str, value: float) -> None:
        """Set a gauge to `value`."""
        if self._enabled:
            with self._lock:
                self._gauges[name] = value

    def record(self, name: str, value: float) -> None:
        """Record one observation (e.g. a latency in milliseconds) in a histogram."""
        if not self._enabled:
            return
        with self._lock:
            histogram = self._histograms.get(name)
            if histogram is None:
                histogram = _Histogram(deque(maxlen=self._max_samples))
                self._histograms[name] = histogram
            histogram.add(float(value))

    def record_request(self, duration_ms: float, *, ok: bool) -> None:
        """Count one finished HTTP request and record its duration.

        Args:
            duration_ms: Wall time of the logical request, retries included.
            ok: Whether it ended in a success.
        """
        self.increment(REQUESTS_TOTAL)
        self.increment(REQUESTS_SUCCESS if ok else REQUESTS_FAILURE)
        self.record(REQUEST_DURATION_MS, duration_ms)

    def snapshot(self) -> MetricsSnapshot:
        """Copy every metric; histograms are summarised (see `HistogramStats`)."""
        with self._lock:
            return MetricsSnapshot(
                counters=dict(self._counters),
                gauges=dict(self._gauges),
                histograms={name: h.stats() for name, h in self._histograms.items()},
            )

    def reset(self) -> None:
        """Forget every metric."""
        with self._lock:
            self._counters.clear()
            self._gauges.clear()
            self._histograms.clear()
