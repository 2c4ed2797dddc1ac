"""`tinkex.sync.APIFuture`: a request in flight whose `result()` blocks.

It wraps the `tinkex.APIFuture` that the async client returned on `tinkex.sync`'s loop, and a
`concurrent.futures.Future` that a small task on that loop completes with the same outcome, so
waiting costs no round trip to the loop thread: the caller just blocks on the mirror. A failed
request raises its tinkex error; a timeout raises `FutureTimeoutError` naming the request and
its last queue state, as the async future's. It can also be awaited, from any event loop, as
the official SDK's futures can.
"""

from __future__ import annotations

import concurrent.futures
import functools
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tinkex.clients.futures import FutureState
from tinkex.errors import FutureTimeoutError

if TYPE_CHECKING:
    from collections.abc import Coroutine, Generator

    from tinkex.clients.futures import APIFuture as AsyncAPIFuture
    from tinkex.sync.loop import LoopThread

__all__ = ["APIFuture"]

T = TypeVar("T")


class APIFuture(Generic[T]):
    """The blocking face of a `tinkex.APIFuture`; build it with `attach`, on the loop.

    Args:
        inner: The future, on `loop`.
        loop: The loop `inner` runs on.
        outcome: Completed with `inner`'s result or error.
    """

    __slots__ = ("_inner", "_loop", "_outcome")

    def __init__(
        self, inner: AsyncAPIFuture[T], loop: LoopThread, outcome: concurrent.futures.Future[T]
    ) -> None:
        self._inner = inner
        self._loop = loop
        self._outcome = outcome

    @classmethod
    def attach(cls, inner: AsyncAPIFuture[T], loop: LoopThread) -> APIFuture[T]:
        """Wrap `inner`; call on `loop`'s thread (a done-callback mirrors the outcome)."""
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        # A callback, not a task per call: a blocking call costs the two thread hops only.
        inner.add_done_callback(functools.partial(_mirror, outcome))
        return cls(inner, loop, outcome)

    @property
    def async_future(self) -> AsyncAPIFuture[T]:
        """The `tinkex.APIFuture` this one waits on (it lives on `tinkex.sync`'s loop)."""
        return self._inner

    def result(self, timeout: float | None = None) -> T:
        """Block until the result is known and return it.

        Args:
            timeout: Seconds to wait, or None to wait as long as the server keeps answering.
                On timeout the request keeps running; call again to keep waiting.

        Raises:
            FutureTimeoutError: The timeout passed (it is a `TimeoutError` too).
            RequestFailedError: The server finished the request as failed.
            TinkexError: Whatever the request failed with, as the async client raises it.
        """
        try:
            return self._outcome.result(timeout)
        except concurrent.futures.TimeoutError as exc:
            if self._outcome.done():
                raise
            raise self._timed_out(timeout) from exc

    def _timed_out(self, timeout: float | None) -> FutureTimeoutError:
        tracker = self._inner.tracker
        state = tracker.last_queue_state
        return FutureTimeoutError(
            request_id=tracker.request_id or "(not yet accepted)",
            request_type=tracker.request_type,
            timeout_s=timeout or 0.0,
            last_queue_state=None if state is None else state.value,
            seconds_since_last_response=tracker.seconds_since_last_response(),
        )

    async def result_async(self, timeout: float | None = None) -> T:  # noqa: ASYNC109  # the official futures' API takes a timeout, like concurrent.futures
        """Await the result from any event loop (`result` without blocking the loop)."""
        return await self._loop.run_async(self._inner.result(timeout))

    def coroutine(self) -> Coroutine[Any, Any, T]:
        """A coroutine of the result (the official SDK's spelling of `result_async()`)."""
        return self.result_async()

    def future(self) -> concurrent.futures.Future[T]:
        """A `concurrent.futures.Future` of the result (cancelling it cancels the request)."""
        return self._loop.submit(self._inner.result())

    def __await__(self) -> Generator[Any, None, T]:
        return self.result_async().__await__()

    def done(self) -> bool:
        """True once the result or the error is known, or the request was cancelled."""
        return self._outcome.done()

    def cancel(self) -> bool:
        """Stop waiting for the result (see `tinkex.APIFuture.cancel`); False when done."""
        return self._loop.call(self._inner.cancel)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait like `result`, then return the error the request failed with (or None)."""
        try:
            self.result(timeout)
        except Exception as exc:  # noqa: BLE001  # the caller asked for the error, not a raise
            return exc
        return None

    @property
    def request_id(self) -> str | None:
        """The server's request id, once the request was accepted (else None)."""
        return self._inner.request_id

    @property
    def request_type(self) -> str:
        """The kind of request (``ForwardBackward``, ``Sample``...)."""
        return self._inner.request_type

    @property
    def state(self) -> FutureState:
        """Submitting, pending, done, failed or cancelled."""
        return self._inner.state

    def __repr__(self) -> str:
        return f"<tinkex.sync.APIFuture {self._inner.request_type} state={self.state.value}>"


def _mirror(outcome: concurrent.futures.Future[T], inner: AsyncAPIFuture[T]) -> None:
    """Complete `outcome` as `inner` ended (on the loop, when it did)."""
    if inner.state is FutureState.CANCELLED:
        outcome.cancel()  # the waiter gets concurrent.futures' CancelledError, as sync code expects
        return
    error = inner.exception()
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(inner.outcome())
