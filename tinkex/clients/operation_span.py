"""One OpenTelemetry span (and metrics record) per client operation.

A client method returns at once and finishes in background tasks; the operation is opened
when the method is called (so its span nests under whatever span the caller has open) and made
current while those tasks are created, so every request span of the operation (submission
attempts, retrieve_future polls) becomes its child and every queue-state report and retry
lands on it. It ends when the operation's result is known, recording how long the future took
(see `tinkex.flows.observability`).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.clients.futures import FutureState
from tinkex.domain.headers import current_sdk_method
from tinkex.flows.tracing import tracing_enabled

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tinkex.clients.futures import APIFuture
    from tinkex.flows.observability import Observability, Operation

__all__ = ["end_with", "global_observability", "operation_span", "traced"]

T = TypeVar("T")


@functools.cache
def global_observability() -> Observability:
    """The global tracer and meter with the system clock, for a client without a stack yet.

    One per process: instruments are created once (a proxy meter keeps every one it made).
    """
    from opentelemetry import trace

    from tinkex._compose import system_clock
    from tinkex.flows.observability import Observability

    return Observability(trace.get_tracer("tinkex"), None, system_clock())


@contextmanager
def operation_span(observability: Observability, request_type: str) -> Iterator[Operation | None]:
    """Open the operation and make it current for the tasks created inside.

    Yields None when neither tracing nor metrics are on. The caller ends it with `end_with`
    once the operation's task is done.
    """
    name = current_sdk_method.get() or f"tinkex {request_type}"
    with observability.operation(name, request_type) as operation:
        yield operation


def end_with(operation: Operation | None, future: APIFuture[Any]) -> None:
    """End `operation` with the outcome of `future` (use as a done callback)."""
    if operation is None:
        return
    if future.state is FutureState.CANCELLED:
        operation.end(outcome="cancelled", request_id=future.request_id)
        return
    error = future.exception()
    operation.end(
        outcome="success" if error is None else "error", request_id=future.request_id, error=error
    )


def traced(
    observability: Observability, request_type: str, start: Callable[[], APIFuture[T]]
) -> APIFuture[T]:
    """Run `start` (which creates the operation's tasks) under a new operation."""
    if not observability.instruments.enabled and not tracing_enabled(observability.tracer):
        return start()  # neither traced nor measured: no operation to open or end
    with operation_span(observability, request_type) as operation:
        future = start()
    if operation is not None:
        future.add_done_callback(lambda done: end_with(operation, done))
    return future
