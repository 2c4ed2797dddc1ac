"""OpenTelemetry spans for the pipeline, following the HTTP client semantic conventions.

One CLIENT span per logical call (``tinker <endpoint name>``) with one child span per HTTP
attempt (named by method). Only `opentelemetry-api` is needed: without an SDK the tracer is a
no-op, no span is valid, and nothing is injected into requests.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from collections.abc import Iterator

    from opentelemetry.trace import Span, Tracer

    from tinkex.ports.endpoint import EndpointSpec

__all__ = ["PipelineTracer", "error_type", "fail", "record_response", "safe_url"]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def safe_url(url: str) -> str:
    """Return `url` without user info, query or fragment (they may carry secrets)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


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

    @contextmanager
    def logical(self, endpoint: EndpointSpec) -> Iterator[Span]:
        """Open the span covering one logical call, including every retry.

        Exceptions are recorded on the span (status ERROR, `error.type`) and re-raised.
        """
        with self._tracer.start_as_current_span(
            f"tinker {endpoint.name}",
            kind=SpanKind.CLIENT,
            attributes={"tinker.endpoint": endpoint.name, "http.request.method": endpoint.method},
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

    @staticmethod
    def trace_headers() -> list[tuple[str, str]]:
        """Return the W3C trace-context headers for the current span (none without one)."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return list(carrier.items())


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
