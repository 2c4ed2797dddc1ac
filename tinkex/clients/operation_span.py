"""One OpenTelemetry span per client operation, parent of its HTTP calls and polls.

A client method returns at once and finishes in background tasks; the span is opened when the
method is called (so it nests under whatever span the caller has open) and made current while
those tasks are created, so every request span of the operation (submission attempts,
retrieve_future polls) becomes its child. It ends when the operation's result is known.

OpenTelemetry is imported on first use (by then the caller's tracer has loaded it), which
keeps it out of `import tinkex`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.clients.futures import FutureState
from tinkex.domain.headers import current_sdk_method

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from opentelemetry.trace import Span, Tracer

    from tinkex.clients.futures import APIFuture

__all__ = ["end_with", "operation_span", "traced"]

T = TypeVar("T")


@contextmanager
def operation_span(tracer: Tracer, request_type: str) -> Iterator[Span]:
    """Open the operation's span and make it current for the tasks created inside.

    The caller ends it with `end_with` once the operation's task is done.
    """
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind

    name = current_sdk_method.get() or f"tinkex {request_type}"
    span = tracer.start_span(
        name, kind=SpanKind.INTERNAL, attributes={"tinker.request_type": request_type}
    )
    with trace.use_span(span, end_on_exit=False):
        yield span


def end_with(span: Span, future: APIFuture[Any]) -> None:
    """End `span` with the outcome of `future` (use as a done callback)."""
    from opentelemetry.trace import Status, StatusCode

    if future.state is FutureState.CANCELLED:
        span.set_status(Status(StatusCode.ERROR, "cancelled"))
    elif (error := future.exception()) is not None:
        span.set_attribute("error.type", type(error).__qualname__)
        span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
    span.end()


def traced(tracer: Tracer, request_type: str, start: Callable[[], APIFuture[T]]) -> APIFuture[T]:
    """Run `start` (which creates the operation's tasks) under a new operation span.

    A no-op tracer opens no span: it would only re-expose the caller's context.
    """
    from tinkex.flows.tracing import tracing_enabled

    if not tracing_enabled(tracer):
        return start()
    with operation_span(tracer, request_type) as span:
        future = start()
    future.add_done_callback(lambda done: end_with(span, done))
    return future
