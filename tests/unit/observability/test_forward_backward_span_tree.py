"""The OpenTelemetry span tree of one forward_backward call, end to end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import tinkex
from tinkex import types

if TYPE_CHECKING:
    from pathlib import Path


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_forward_backward_is_one_tree_of_submission_and_polls(tmp_path: Path) -> None:
    """The operation span parents the submit call and the polls; each has its HTTP attempts."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False, tracer=tracer
    ) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        exporter.clear()
        datum = types.Datum(
            model_input=types.ModelInput.from_ints([1, 2, 3]),
            loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
        )
        await training.forward_backward([datum], "cross_entropy")
    spans = list(exporter.get_finished_spans())
    operation = next(s for s in spans if s.name == "TrainingClient.forward_backward")
    assert operation.parent is None
    calls = _children(spans, operation)
    names = [c.name for c in calls]
    assert "tinker training.forward_backward" in names
    assert "tinker futures.retrieve" in names
    for call in calls:
        assert call.kind is SpanKind.CLIENT
        attempts = _children(spans, call)
        assert attempts, f"{call.name} has no HTTP attempt span"
        assert all(a.name == "POST" for a in attempts)
        assert all(
            a.attributes and a.attributes["http.response.status_code"] == 200 for a in attempts
        )
        assert all("url.full" in (a.attributes or {}) for a in attempts)
