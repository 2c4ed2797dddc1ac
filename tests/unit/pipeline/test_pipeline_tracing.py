"""OpenTelemetry spans and trace-context propagation of the pipeline (local provider only)."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pipeline_fakes import CREATE_MODEL, GET_CHECKPOINT, Created, make_invoker, ok, scripted, status

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.errors import APIConnectionError, BadRequestError
from tinkex.flows.tracing import safe_url
from tinkex.ports.endpoint import EndpointSpec


def tracing() -> tuple[trace.Tracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


async def test_a_retried_call_has_one_parent_and_two_attempt_spans() -> None:
    """Parent `tinker <endpoint>` with two POST children carrying HTTP semconv attributes."""
    tracer, exporter = tracing()
    transport = InMemoryTransport()
    transport.route("POST", ".*/create_model", scripted(status(503), ok()))
    invoker = make_invoker(transport, FakeClock(), tracer=tracer)
    await invoker.invoke(CREATE_MODEL, {}, response_type=Created, query={"secret": "s3"})
    spans = exporter.get_finished_spans()
    (parent,) = by_name(spans, "tinker service.create_model")
    attempts = by_name(spans, "POST")
    assert len(spans) == 3
    assert len(attempts) == 2
    assert parent.kind is SpanKind.INTERNAL  # the logical call; its attempts are CLIENT
    assert parent.status.status_code is StatusCode.UNSET
    (retry,) = [e for e in parent.events if e.name == "tinker.retry"]
    assert dict(retry.attributes or {})["tinker.retry.reason"] == "status 503"
    for span in attempts:
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None
        assert span.parent.span_id == parent.context.span_id
        attributes = dict(span.attributes or {})
        assert attributes["http.request.method"] == "POST"
        assert attributes["url.full"] == (
            "https://tinker.example.test/services/tinker-prod/api/v1/create_model"
        )
        assert attributes["server.address"] == "tinker.example.test"
        assert attributes["server.port"] == 443
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes
    # Each request carries the trace context of its own attempt span.
    for request, span in zip(transport.sent, (first, second), strict=True):
        traceparent = request.header("traceparent")
        assert traceparent is not None
        _, trace_id, span_id, _ = traceparent.split("-")
        assert int(trace_id, 16) == parent.context.trace_id
        assert int(span_id, 16) == span.context.span_id


async def test_a_failed_call_marks_the_parent_with_the_error_type() -> None:
    """A final 400 sets ERROR status and error.type=400 on the logical span."""
    tracer, exporter = tracing()
    transport = InMemoryTransport()
    transport.route("POST", ".*/create_model", scripted(status(400)))
    invoker = make_invoker(transport, FakeClock(), tracer=tracer)
    with pytest.raises(BadRequestError):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    (parent,) = by_name(exporter.get_finished_spans(), "tinker service.create_model")
    assert parent.status.status_code is StatusCode.ERROR
    assert (parent.attributes or {})["error.type"] == "400"


async def test_connection_failures_name_the_exception_class() -> None:
    """No-response attempts record the error class as error.type and no status."""
    tracer, exporter = tracing()
    transport = InMemoryTransport()
    transport.route("GET", ".*", scripted(APIConnectionError("down")))
    spec = EndpointSpec(name="rest.get", method="GET", path="/api/v1/x", max_retries=0)
    with pytest.raises(APIConnectionError):
        await make_invoker(transport, FakeClock(), tracer=tracer).invoke(
            spec, None, response_type=Created
        )
    (attempt,) = by_name(exporter.get_finished_spans(), "GET")
    attributes = dict(attempt.attributes or {})
    assert attributes["error.type"] == "APIConnectionError"
    assert "http.response.status_code" not in attributes
    assert attempt.status.status_code is StatusCode.ERROR


async def test_without_an_sdk_tracer_nothing_is_injected() -> None:
    """A no-op tracer records nothing and adds no traceparent header."""
    transport = InMemoryTransport()
    transport.route("GET", ".*", scripted(ok()))
    invoker = make_invoker(transport, FakeClock(), tracer=trace.NoOpTracer())
    await invoker.invoke(
        GET_CHECKPOINT,
        None,
        response_type=Created,
        path_params={"run_id": "r", "checkpoint_id": "c"},
    )
    assert transport.sent[0].header("traceparent") is None


def test_safe_url_drops_credentials_query_and_fragment() -> None:
    """url.full never carries user info or query parameters."""
    assert safe_url("https://u:p@h.test:8443/a/b?key=tml-x#frag") == "https://h.test:8443/a/b"
