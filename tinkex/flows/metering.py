"""Feed `tinkex.metrics.Metrics` from every HTTP attempt, by wrapping the connection pool.

Counts requests (``tinkex_requests_total``/``_success``/``_failure``) and records each
attempt's duration in ``tinkex_request_duration_ms``; a 2xx or 3xx answer is a success.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.metrics import Metrics
    from tinkex.ports.clock import Clock
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind, Transport

__all__ = ["MeteredPool", "MeteredTransport"]


class MeteredTransport:
    """A Transport that records every exchange it forwards."""

    def __init__(self, inner: Transport, metrics: Metrics, clock: Clock) -> None:
        self._inner = inner
        self._metrics = metrics
        self._clock = clock

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Forward the request and record its duration and outcome."""
        started = self._clock.monotonic()
        ok = False
        try:
            response = await self._inner.send(request)
            ok = response.status < 400
            return response
        finally:
            self._metrics.record_request((self._clock.monotonic() - started) * 1000.0, ok=ok)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


class MeteredPool:
    """A ConnectionPool whose transports report to `metrics`."""

    def __init__(self, inner: ConnectionPool, metrics: Metrics, clock: Clock) -> None:
        self._inner = inner
        self._metrics = metrics
        self._clock = clock
        self._wrapped: dict[PoolKind, MeteredTransport] = {}

    def transport_for(self, kind: PoolKind, /) -> MeteredTransport:
        """The metered transport of a traffic class."""
        wrapped = self._wrapped.get(kind)
        if wrapped is None:
            wrapped = MeteredTransport(self._inner.transport_for(kind), self._metrics, self._clock)
            self._wrapped[kind] = wrapped
        return wrapped

    async def aclose(self) -> None:
        """Close the wrapped pool (which owns the transports)."""
        await self._inner.aclose()
