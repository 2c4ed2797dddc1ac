"""The per-request fast paths: no spans without a tracer, lazy debug events, cached headers."""

from __future__ import annotations

import logging
import random
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import baggage, trace
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryPool, InMemoryTransport, json_response
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.domain.headers import merge_headers, sdk_method
from tinkex.flows import idempotency, retrying
from tinkex.flows.features import RetryConfig
from tinkex.flows.invoker import PipelineInvoker, _merge_onto
from tinkex.flows.logging import configure_logging
from tinkex.flows.tracing import PipelineTracer, tracing_enabled
from tinkex.ports.endpoint import EndpointSpec

ENDPOINT = EndpointSpec(name="service.create_model", method="POST", path="/api/v1/create_model")
KEY = re.compile(r"stainless-python-retry-[0-9a-f]{32}")
NAMES = st.sampled_from(["Accept", "accept", "X-A", "x-a", "X-B", "ACCEPT", "x-c"])


class RecordingLogger:
    """A logger that says debug is off and records every event it is still handed."""

    def __init__(self, debug: bool) -> None:
        self._debug = debug
        self.events: list[tuple[str, str]] = []

    def is_enabled_for(self, level: int) -> bool:
        return self._debug or level > logging.DEBUG

    def _record(self, level: str, event: str, **_: Any) -> None:
        self.events.append((level, event))

    def debug(self, event: str, **fields: Any) -> None:
        self._record("debug", event, **fields)

    def info(self, event: str, **fields: Any) -> None:
        self._record("info", event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._record("warning", event, **fields)


def _invoker(transport: InMemoryTransport, **extra: Any) -> PipelineInvoker:
    return PipelineInvoker(
        pool=InMemoryPool(transport),
        codecs={"json": MsgspecJsonCodec()},
        base_url="https://tinker.test/",
        auth_headers=(("X-API-Key", "tml-secret"),),
        clock=FakeClock(),
        retry=RetryConfig(),
        outer_retry=None,
        billing=None,
        sdk_version="0.1.0",
        rng=random.Random(3),
        **extra,
    )


def _ok_transport() -> InMemoryTransport:
    transport = InMemoryTransport()
    transport.route("POST", ".*/create_model", lambda _: json_response('{"ok": true}'))
    return transport


def test_a_noop_tracer_is_recognised_and_a_real_one_is_not() -> None:
    """No-op and provider-less proxy tracers skip spans; an SDK tracer keeps them."""
    assert not tracing_enabled(trace.NoOpTracer())
    assert not PipelineTracer(trace.NoOpTracer()).enabled
    assert tracing_enabled(TracerProvider().get_tracer("t"))
    proxy = trace.ProxyTracer("tinkex")
    provider_set = not isinstance(
        trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider
    )
    assert tracing_enabled(proxy) is provider_set


async def test_a_real_tracer_still_gets_both_spans_per_call() -> None:
    """With an SDK tracer, each call still records its logical and its attempt span."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    transport = _ok_transport()
    await _invoker(transport, tracer=provider.get_tracer("t")).invoke(
        ENDPOINT, {}, response_type=dict
    )
    names = sorted(span.name for span in exporter.get_finished_spans())
    assert names == ["POST", "tinker service.create_model"]
    assert transport.sent[0].header("traceparent") is not None


async def test_without_debug_logging_no_attempt_event_is_built() -> None:
    """The redacted per-attempt event is produced only when debug is enabled."""
    quiet, loud = RecordingLogger(debug=False), RecordingLogger(debug=True)
    for logger in (quiet, loud):
        await _invoker(_ok_transport(), logger=logger, tracer=trace.NoOpTracer()).invoke(
            ENDPOINT, {}, response_type=dict
        )
    assert ("debug", "http.attempt") not in quiet.events
    assert ("debug", "http.attempt") in loud.events


def test_debug_enabled_follows_the_logger_level() -> None:
    """Filtering loggers report their level; a logger that cannot tell counts as enabled."""
    assert not retrying.debug_enabled(configure_logging("warning"))
    assert retrying.debug_enabled(configure_logging("debug"))
    assert retrying.debug_enabled(object())


def test_idempotency_keys_are_unique_and_change_prefix_after_fork() -> None:
    """Keys keep the uuid-like shape, never repeat, and a reseeded source starts afresh."""
    keys = [retrying.new_idempotency_key() for _ in range(1000)]
    assert len(set(keys)) == len(keys)
    assert all(KEY.fullmatch(key) for key in keys)
    source = idempotency._KeySource()
    before = source.next()
    source.reseed()  # what a forked child does
    after = source.next()
    assert before[:-16] != after[:-16]
    assert after.endswith("0" * 16)


async def test_cached_headers_follow_the_sdk_method_and_caller_overrides() -> None:
    """Per-endpoint header caching keeps x-sdk-method per context and caller precedence."""
    transport = _ok_transport()
    invoker = _invoker(transport, tracer=trace.NoOpTracer())
    with sdk_method("ServiceClient.a"):
        await invoker.invoke(ENDPOINT, {}, response_type=dict)
    with sdk_method("ServiceClient.b"):
        await invoker.invoke(ENDPOINT, {}, response_type=dict, headers={"accept": "text/x"})
    await invoker.invoke(ENDPOINT, {}, response_type=dict)
    first, second, third = transport.sent
    assert first.header("x-sdk-method") == "ServiceClient.a"
    assert second.header("x-sdk-method") == "ServiceClient.b"
    assert third.header("x-sdk-method") is None
    assert (first.header("Accept"), second.header("Accept")) == ("application/json", "text/x")
    assert [name for name, _ in second.headers].count("accept") + [
        name for name, _ in second.headers
    ].count("Accept") == 1
    keys = {request.header("X-Idempotency-Key") for request in transport.sent}
    assert len(keys) == 3


@given(
    shared=st.lists(st.tuples(NAMES, st.text(max_size=3)), max_size=6),
    extra=st.dictionaries(NAMES, st.text(max_size=3), max_size=4),
)
def test_merging_onto_cached_headers_equals_merge_headers(
    shared: list[tuple[str, str]], extra: dict[str, str]
) -> None:
    """The position-indexed merge of caller headers gives exactly `merge_headers`' result."""
    base = tuple(merge_headers(shared))
    index = {name.lower(): position for position, (name, _) in enumerate(base)}
    assert list(_merge_onto(base, index, extra)) == merge_headers(base, extra.items())


async def test_without_a_tracer_only_what_the_context_holds_is_propagated() -> None:
    """An empty context adds no trace headers; baggage set by the caller is still sent."""
    transport = _ok_transport()
    invoker = _invoker(transport, tracer=trace.NoOpTracer())
    await invoker.invoke(ENDPOINT, {}, response_type=dict)
    token = otel_context.attach(baggage.set_baggage("tenant", "t-1"))
    try:
        await invoker.invoke(ENDPOINT, {}, response_type=dict)
    finally:
        otel_context.detach(token)
    plain, with_baggage = transport.sent
    assert plain.header("baggage") is None
    assert plain.header("traceparent") is None
    assert with_baggage.header("baggage") == "tenant=t-1"
