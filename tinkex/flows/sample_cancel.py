"""`SampleCancels`: tell the server about abandoned samples (``cancel_future``).

A sample whose waiting stops before its result arrived (its task was cancelled, the
`APIFuture` was cancelled, or its deadline passed) is still queued or running on the server.
When the server's dynamic config sets ``sample_cancel_enabled``, its request id is queued
here and a drain task sends ``POST /api/v1/cancel_future`` for the queued ids, at most
``sample_cancel_max_batch_size`` at a time (one request per id, the batch sent concurrently;
the next batch once it is done). Each request goes through the pipeline with the endpoint's
own retries; a failure after that is logged and dropped, never queued again: the server
also stops the work of a session whose heartbeats stop, and re-queueing a request it refuses
would never end.

The drain task runs only while ids are queued; enqueueing is synchronous and never blocks.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from typing import TYPE_CHECKING

from tinkex.domain.types import CancelFutureRequest
from tinkex.flows.logging import configure_logging

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.endpoint import EndpointSpec, Invoker

__all__ = ["SampleCancels"]


class SampleCancels:
    """The queue of samples to cancel on the server, and its drain.

    Args:
        invoker: Runs the cancel endpoint.
        cancel_spec: The ``futures.cancel`` endpoint.
        enabled: The server's ``sample_cancel_enabled``; when False, `enqueue` does nothing.
        max_batch: The server's ``sample_cancel_max_batch_size`` (at least 1 is used).
        logger: Where failed cancellations are logged.

    Attributes:
        sent: Cancellations the server acknowledged.
        failed: Cancellations that failed (logged, not retried).
    """

    def __init__(
        self,
        invoker: Invoker,
        cancel_spec: EndpointSpec,
        *,
        enabled: bool,
        max_batch: int,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        self._invoker = invoker
        self._spec = cancel_spec
        self.enabled = enabled
        self._max_batch = max(max_batch, 1)
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._queue: deque[str] = deque()
        self._drain: asyncio.Task[None] | None = None
        self.sent = 0
        self.failed = 0

    def enqueue(self, request_id: str) -> None:
        """Cancel the sample `request_id` on the server soon (no-op when disabled)."""
        if not self.enabled:
            return
        self._queue.append(request_id)
        if self._drain is None:
            # A context of its own: the cancel belongs to no public method of the caller.
            self._drain = asyncio.get_running_loop().create_task(
                self._run(), name="tinkex-cancel-samples", context=contextvars.Context()
            )

    async def aclose(self) -> None:
        """Stop draining; ids still queued are dropped (their session ends with the client)."""
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.cancel()
            await asyncio.wait((drain,))
        if self._queue:
            self._log.debug("futures.cancel_dropped", count=len(self._queue))
            self._queue.clear()

    async def _run(self) -> None:
        queue = self._queue
        try:
            while queue:
                batch = [queue.popleft() for _ in range(min(self._max_batch, len(queue)))]
                await asyncio.gather(*(self._send(request_id) for request_id in batch))
        finally:
            self._drain = None

    async def _send(self, request_id: str) -> None:
        try:
            await self._invoker.invoke(
                self._spec, CancelFutureRequest(request_id=request_id), response_type=type(None)
            )
        except Exception as exc:  # noqa: BLE001 - best effort: a cancel that fails is logged and dropped
            self.failed += 1
            self._log.error(
                "futures.cancel_failed",
                request_id=request_id,
                error_type=type(exc).__name__,
                status=getattr(exc, "status", None),
            )
            return
        self.sent += 1
