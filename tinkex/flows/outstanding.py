"""Requests still being submitted: the part of "what is pending" the poller cannot see.

A future's request is visible to the future resolver only once the server accepted it. Until
then (the POST in flight, its retries and their backoffs) it is tracked here, by the invoker
the runtime hands to every client, so `ServiceClient.pending()` can list a request stuck
before its POST was answered.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from tinkex.domain.headers import current_sdk_method

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping

    from tinkex.flows.invoker import PipelineInvoker
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import EndpointSpec, QueryValue

__all__ = ["Submission", "SubmissionTracker", "TrackingInvoker"]

T = TypeVar("T")


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """One future-creating request whose submission has not been answered yet.

    Attributes:
        request_type: The kind of request (``ForwardBackward``, ``Sample``...).
        endpoint: The manifest endpoint it is sent to (``training.forward_backward``...).
        sdk_method: The public method that made it (``TrainingClient.forward_backward``), if
            known.
        age_s: Seconds since it was first sent (retries and their backoffs included).
    """

    request_type: str
    endpoint: str
    sdk_method: str | None
    age_s: float


class _Entry:
    __slots__ = ("endpoint", "request_type", "sdk_method", "started_at")

    def __init__(self, endpoint: str, request_type: str, sdk_method: str | None, now: float):
        self.endpoint = endpoint
        self.request_type = request_type
        self.sdk_method = sdk_method
        self.started_at = now


class SubmissionTracker:
    """The submissions in flight on one runtime."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[int, _Entry] = {}
        self._keys = itertools.count()

    def open(self, endpoint: EndpointSpec) -> int:
        """Note that a submission to `endpoint` started; returns the key for `close`."""
        key = next(self._keys)
        self._entries[key] = _Entry(
            endpoint.name,
            endpoint.request_type or endpoint.name,
            current_sdk_method.get(),
            self._clock.monotonic(),
        )
        return key

    def close(self, key: int) -> None:
        """Forget a submission (answered, failed or cancelled)."""
        self._entries.pop(key, None)

    def snapshot(self) -> list[Submission]:
        """Every submission in flight, oldest first."""
        now = self._clock.monotonic()
        entries = sorted(self._entries.values(), key=lambda e: e.started_at)
        return [
            Submission(
                request_type=e.request_type,
                endpoint=e.endpoint,
                sdk_method=e.sdk_method,
                age_s=now - e.started_at,
            )
            for e in entries
        ]


class TrackingInvoker:
    """The pipeline invoker, noting every call that creates a server future while it runs.

    Calls to other endpoints are handed straight to the pipeline (no extra frame).
    """

    def __init__(self, inner: PipelineInvoker, tracker: SubmissionTracker) -> None:
        """Wrap `inner`; submissions are recorded in `tracker`."""
        self._inner = inner
        self._tracker = tracker

    def __repr__(self) -> str:
        return f"<TrackingInvoker of {self._inner!r}>"

    def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Coroutine[Any, Any, T]:
        """Run the call through the pipeline (see `PipelineInvoker.invoke`)."""
        call = self._inner.invoke(
            endpoint,
            body,
            response_type=response_type,
            path_params=path_params,
            query=query,
            headers=headers,
        )
        if endpoint.request_type is None:
            return call
        return self._tracked(endpoint, call)

    async def _tracked(self, endpoint: EndpointSpec, call: Coroutine[Any, Any, T]) -> T:
        key = self._tracker.open(endpoint)
        try:
            return await call
        finally:
            self._tracker.close(key)
