"""OpenTelemetry spans for the pipeline, following the HTTP client semantic conventions.

One INTERNAL span per logical call (``tinker <endpoint name>``, every retry included) with one
CLIENT child span per HTTP attempt (named by method, with the semantic conventions' HTTP
attributes). The logical span carries the Tinker ids its request and answer hold (session,
model, sampling session, seq and request ids; `ATTRIBUTES`) and a ``tinker.retry`` event per
retry. Only `opentelemetry-api` is needed: without an SDK the tracer is a no-op, no span is
valid, and nothing is injected into requests. Every name is listed in
``docs/guides/observability.md``.

Spans cost tens of microseconds each, so while the tracer is a no-op (no provider installed,
the default) callers skip them altogether (`PipelineTracer.enabled`, `tracing_enabled`). That is
the same outcome: a no-op span only re-exposes its parent's context, which is already current.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import (
    NoOpTracer,
    NoOpTracerProvider,
    ProxyTracer,
    ProxyTracerProvider,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from opentelemetry.trace import Span

    from tinkex.ports.endpoint import EndpointSpec

__all__ = [
    "ATTRIBUTES",
    "ATTR_ENDPOINT",
    "ATTR_MODEL_ID",
    "ATTR_OUTCOME",
    "ATTR_QUEUE_STATE",
    "ATTR_QUEUE_STATE_PREVIOUS",
    "ATTR_QUEUE_STATE_REASON",
    "ATTR_REQUEST_ID",
    "ATTR_REQUEST_TYPE",
    "ATTR_RETRY_ATTEMPT",
    "ATTR_RETRY_DELAY",
    "ATTR_RETRY_LAYER",
    "ATTR_RETRY_REASON",
    "ATTR_SAMPLING_SESSION_ID",
    "ATTR_SEQ_ID",
    "ATTR_SESSION_ID",
    "EVENT_QUEUE_STATE",
    "EVENT_RETRY",
    "PipelineTracer",
    "error_type",
    "fail",
    "ids_in",
    "record_response",
    "safe_url",
    "tracing_enabled",
]

ATTR_ENDPOINT: Final = "tinker.endpoint"
"""The manifest's endpoint name, e.g. ``training.forward_backward``."""
ATTR_REQUEST_TYPE: Final = "tinker.request_type"
"""What a client operation is, e.g. ``ForwardBackward``, ``Sample``."""
ATTR_SESSION_ID: Final = "tinker.session_id"
ATTR_MODEL_ID: Final = "tinker.model_id"
ATTR_SAMPLING_SESSION_ID: Final = "tinker.sampling_session_id"
ATTR_SEQ_ID: Final = "tinker.seq_id"
ATTR_REQUEST_ID: Final = "tinker.request_id"
"""The server future's id (what ``retrieve_future`` polls and `APIFuture.request_id` is)."""
ATTR_QUEUE_STATE: Final = "tinker.queue_state"
ATTR_QUEUE_STATE_REASON: Final = "tinker.queue_state.reason"
ATTR_QUEUE_STATE_PREVIOUS: Final = "tinker.queue_state.previous"
ATTR_RETRY_LAYER: Final = "tinker.retry.layer"
"""Which retry loop: ``http`` (per request), ``outer`` (whole call), ``sampling``."""
ATTR_RETRY_REASON: Final = "tinker.retry.reason"
ATTR_RETRY_ATTEMPT: Final = "tinker.retry.attempt"
ATTR_RETRY_DELAY: Final = "tinker.retry.delay_s"
ATTR_OUTCOME: Final = "tinker.outcome"
"""``success`` or ``error`` (metrics; spans use their status)."""
EVENT_RETRY: Final = "tinker.retry"
EVENT_QUEUE_STATE: Final = "tinker.queue_state_change"

ATTRIBUTES: Final = (
    ("session_id", ATTR_SESSION_ID),
    ("model_id", ATTR_MODEL_ID),
    ("sampling_session_id", ATTR_SAMPLING_SESSION_ID),
    ("seq_id", ATTR_SEQ_ID),
    ("request_id", ATTR_REQUEST_ID),
)
"""Field names of requests and answers, and the span attribute each one's value goes to."""

_DEFAULT_PORTS = {"https": 443, "http": 80}
_W3C_FIELDS = frozenset({"traceparent", "tracestate", "baggage"})
# Endpoints are few, but a URL embeds path parameters and query values; the bound keeps a
# long-running client from growing the cache without limit.
_URL_CACHE_SIZE = 4096


def tracing_enabled(tracer: Tracer) -> bool:
    """True unless `tracer` is a no-op: a `NoOpTracer`, or a proxy while no provider is set.

    A `ProxyTracer` (what `trace.get_tracer` returns before the application installs a
    provider) starts following the provider once one is installed, so this is asked per call.
    """
    if type(tracer) is ProxyTracer and type(getattr(tracer, "_tracer", None)) is NoOpTracer:
        return False  # the default (no provider installed), answered without ABC checks
    if isinstance(tracer, NoOpTracer):
        return False
    if isinstance(tracer, ProxyTracer):
        # The proxy delegates every span to its `_tracer` (the provider's, once one is
        # installed, else a no-op); asking it is exactly the decision the proxy makes, without
        # `get_tracer_provider`'s environment lookup on every call.
        delegate = getattr(tracer, "_tracer", None)
        if isinstance(delegate, Tracer) and not isinstance(delegate, ProxyTracer):
            return not isinstance(delegate, NoOpTracer)
        provider = trace.get_tracer_provider()
        return not isinstance(provider, ProxyTracerProvider | NoOpTracerProvider)
    return True


@functools.lru_cache(maxsize=_URL_CACHE_SIZE)
def safe_url(url: str) -> str:
    """Return `url` without user info, query or fragment (they may carry secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def ids_in(message: object) -> dict[str, str | int]:
    """The Tinker ids a request body or a decoded answer carries, as span attributes.

    Reads the fields of `ATTRIBUTES` from a Struct or a mapping (a poll body); anything else
    (pre-encoded bytes, None) carries none.
    """
    found: dict[str, str | int] = {}
    for name, attribute in ATTRIBUTES:
        value = message.get(name) if isinstance(message, Mapping) else getattr(message, name, None)
        if (isinstance(value, str) and value) or type(value) is int:
            found[attribute] = value
    return found


def error_type(outcome: int | BaseException) -> str:
    """The `error.type` attribute: the status code as text, or the exception class name."""
    if isinstance(outcome, int):
        return str(outcome)
    return type(outcome).__qualname__


class PipelineTracer:
    """Open the pipeline's spans and inject the W3C trace context into requests.

    Args:
        tracer: The tracer to use; None takes `opentelemetry.trace.get_tracer("tinkex")`,
            which follows whatever global provider the application installs.
    """

    def __init__(self, tracer: Tracer | None = None) -> None:
        self._tracer = tracer if tracer is not None else trace.get_tracer("tinkex")
        # Once a real tracer is seen it stays real (a global provider can be set only once).
        self._live = tracing_enabled(self._tracer)
        self._textmap: object = None
        self._textmap_w3c = False

    @property
    def enabled(self) -> bool:
        """False while the tracer is a no-op: callers then open no spans at all."""
        if not self._live:
            self._live = tracing_enabled(self._tracer)
        return self._live

    @contextmanager
    def logical(
        self, endpoint: EndpointSpec, ids: Mapping[str, str | int] | None = None
    ) -> Iterator[Span]:
        """Open the span covering one logical call, including every retry.

        Args:
            endpoint: The endpoint called.
            ids: Tinker id attributes of the request (see `ids_in`).

        Exceptions are recorded on the span (status ERROR, `error.type`) and re-raised.
        """
        with self._tracer.start_as_current_span(
            f"tinker {endpoint.name}",
            kind=SpanKind.INTERNAL,
            attributes={
                ATTR_ENDPOINT: endpoint.name,
                "http.request.method": endpoint.method,
                **(ids or {}),
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except Exception as exc:
                fail(span, exc)
                raise

    @contextmanager
    def attempt(self, method: str, url: str, resend_count: int) -> Iterator[Span]:
        """Open the child span of one HTTP attempt (`record_response`/`fail` finish it)."""
        parts = urlsplit(url)
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "url.full": safe_url(url),
            "server.address": parts.hostname or "",
            "server.port": parts.port or _DEFAULT_PORTS.get(parts.scheme, 0),
        }
        if resend_count > 0:
            attributes["http.request.resend_count"] = resend_count
        with self._tracer.start_as_current_span(
            method,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield span

    def trace_headers(self) -> list[tuple[str, str]]:
        """Return the W3C trace-context headers for the current span (none without one)."""
        if not otel_context.get_current() and self._w3c_only(propagate.get_global_textmap()):
            # Nothing is current (no span, no baggage): the W3C propagators have nothing to
            # write, so skip their work (the common case without a tracer provider).
            return []
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return list(carrier.items())

    def _w3c_only(self, textmap: object) -> bool:
        # Whether the global propagator writes only the W3C fields, which it derives from the
        # current context alone; remembered per propagator object (it is rarely replaced).
        if textmap is not self._textmap:
            fields = getattr(textmap, "fields", None)
            self._textmap = textmap
            self._textmap_w3c = isinstance(fields, set | frozenset) and fields <= _W3C_FIELDS
        return self._textmap_w3c


def record_response(span: Span, status: int) -> None:
    """Record the response status; 4xx/5xx also mark the span as failed."""
    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        span.set_attribute("error.type", error_type(status))
        span.set_status(Status(StatusCode.ERROR))


def fail(span: Span, error: BaseException) -> None:
    """Mark a span as failed by `error` (status errors keep their status as the type)."""
    status = getattr(error, "status", None)
    span.set_attribute("error.type", error_type(status if isinstance(status, int) else error))
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
