"""First contact with a base URL fails fast; a server that has answered is waited for.

The retry layers ride out a server that stops answering for minutes (a restart, a network
blip): right for a server we have talked to, wrong for a wrong URL or a server that was never
started, where the user would wait ~6 minutes in silence. `FirstContact` watches the attempts
of the runtime's first requests: the first connection failure logs a WARNING naming the host,
and when nothing has answered within the budget the start fails with `APIConnectionError`
naming the host. Once any response arrives (whatever its status) the bound is lifted for good.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from tinkex.errors import APIConnectionError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind, Transport

__all__ = ["FirstContact", "host_of"]

T = TypeVar("T")


def host_of(base_url: str) -> str:
    """``host[:port]`` of a URL, without any user-info (which could hold a credential)."""
    parts = urlsplit(base_url)
    host = parts.hostname or base_url
    return f"{host}:{parts.port}" if parts.port is not None else host


class FirstContact:
    """Bounds the wait for the first answer from one base URL.

    Args:
        base_url: The service URL (named in the warning and the error as ``host:port``).
        budget_s: How long the first requests may go unanswered; None never gives up.
        clock: Time source of the budget.
        logger: Receives the ``http.first_contact_failed`` warning.
    """

    def __init__(
        self,
        base_url: str,
        *,
        budget_s: float | None,
        clock: Clock,
        logger: FilteringBoundLogger,
    ) -> None:
        self.host = host_of(base_url)
        self.budget_s = budget_s
        self.answered = False
        self._clock = clock
        self._logger = logger
        self._last_error: APIConnectionError | None = None

    def watch(self, pool: ConnectionPool) -> ConnectionPool:
        """`pool`, reporting each attempt's outcome here (closing it closes `pool`)."""
        return _WatchedPool(pool, self)

    def note_answer(self) -> None:
        """A response arrived: the server is there; restarts from now on are ridden out."""
        self.answered = True

    def note_failure(self, error: APIConnectionError) -> None:
        """An attempt got no response; the first one before any answer is logged."""
        if self.answered:
            return
        if self._last_error is None:
            self._logger.warning(
                "http.first_contact_failed",
                host=self.host,
                error=str(error),
                detail="retrying; no answer from this host yet",
                gives_up_after_s=self.budget_s,
            )
        self._last_error = error

    async def bound(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work`; fail if nothing answered within the budget.

        Raises:
            APIConnectionError: No response from the host within the budget (chained to the
                last connection error). `work` is cancelled first.
        """
        if self.answered or self.budget_s is None:
            return await work()
        task = asyncio.ensure_future(work())
        timer = asyncio.ensure_future(self._clock.sleep(self.budget_s))
        try:
            await asyncio.wait((task, timer), return_when=asyncio.FIRST_COMPLETED)
            if task.done() or self.answered:
                return await task
            task.cancel()
            await asyncio.wait((task,))  # let it unwind before we report
            if not task.cancelled():
                return task.result()  # it finished while being cancelled
            last = f" (last error: {self._last_error})" if self._last_error else ""
            raise APIConnectionError(
                f"cannot reach {self.host}: no answer within {self.budget_s:g}s{last}; "
                "check the base URL and that the server is running"
            ) from self._last_error
        finally:
            timer.cancel()
            if not task.done():
                task.cancel()  # we were cancelled: so is the work
                await asyncio.wait((task,))


class _WatchedPool:
    """A ConnectionPool whose transports report to a `FirstContact`."""

    def __init__(self, inner: ConnectionPool, contact: FirstContact) -> None:
        self._inner = inner
        self._contact = contact

    def transport_for(self, kind: PoolKind, /) -> Transport:
        return _WatchedTransport(self._inner.transport_for(kind), self._contact)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _WatchedTransport:
    """A Transport telling a `FirstContact` whether each exchange got a response."""

    def __init__(self, inner: Transport, contact: FirstContact) -> None:
        self._inner = inner
        self._contact = contact

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        try:
            response = await self._inner.send(request)
        except APIConnectionError as exc:
            self._contact.note_failure(exc)
            raise
        self._contact.note_answer()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
