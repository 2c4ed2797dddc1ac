"""Builders for observability tests: an in-memory OpenTelemetry SDK and an embedded backend.

The tracer and meter are handed to the client (``tracer=``, ``meter=``), never installed
globally, so tests stay independent. The client runs in virtual time against a fresh
embedded backend, with an optional fault plan; the clock is held while the backend works, as
`tinkex.testing.local_service` does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import tinkex
from tinkex import types
from tinkex.local import FaultPlan, InProcessTransport, LocalBackend
from tinkex.testing import VirtualClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.ports.transport import HttpRequest, HttpResponse

TINY_MODEL = "tinkex/tiny-byte-lm"
API_KEY = "tml-ObservabilityTestKey0123456789"


@dataclass
class Otel:
    """An SDK tracer and meter whose output the test reads back."""

    spans: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    reader: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)

    def __post_init__(self) -> None:
        tracing = TracerProvider()
        tracing.add_span_processor(SimpleSpanProcessor(self.spans))
        self.tracer = tracing.get_tracer("test")
        self.meter = MeterProvider(metric_readers=[self.reader]).get_meter("test")

    def finished(self) -> list[ReadableSpan]:
        """Every span ended so far."""
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[Any]:
        """The data points of metric `name` (empty when it recorded nothing)."""
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        for resource in data.resource_metrics if data is not None else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found

    def histograms(self, name: str) -> list[HistogramDataPoint]:
        """The histogram points of metric `name`."""
        return [p for p in self.points(name) if isinstance(p, HistogramDataPoint)]


def attributes(item: Any) -> dict[str, Any]:
    """A span's, event's or data point's attributes as a plain dict."""
    return dict(item.attributes or {})


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    """The spans whose parent is `parent`."""
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def datum(tokens: list[int]) -> types.Datum:
    """A cross-entropy datum predicting each next token."""
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens),
        loss_fn_inputs={
            "target_tokens": [*tokens[1:], tokens[0]],
            "weights": [1.0] * len(tokens),
        },
    )


class _HeldTransport:
    """Holds the virtual clock while the backend answers (its model work takes real time)."""

    def __init__(self, inner: InProcessTransport, clock: VirtualClock) -> None:
        self._inner = inner
        self._clock = clock

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        with self._clock.hold():
            return await self._inner.send(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@contextlib.asynccontextmanager
async def embedded_service(
    tmp_path: Path,
    otel: Otel | None = None,
    *,
    fault_plan: FaultPlan | None = None,
    log_level: str | None = None,
) -> AsyncIterator[tinkex.ServiceClient]:
    """A started client in virtual time, talking in-process to a fresh embedded backend."""
    backend = LocalBackend(tmp_path, fault_plan=fault_plan)
    clock = VirtualClock()
    transport = _HeldTransport(InProcessTransport(backend, close_backend=True), clock)
    async with tinkex.ServiceClient(
        api_key=API_KEY,
        base_url="local",
        transport=transport,
        clock=clock,
        telemetry=False,
        log_level=log_level,
        tracer=otel.tracer if otel is not None else None,
        meter=otel.meter if otel is not None else None,
        env={},
    ) as service:
        yield service
