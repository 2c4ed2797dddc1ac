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
    from collections.abc import Callable, Coroutine, Generator

    from tinkex.clients.futures import APIFuture as AsyncAPIFuture
    from tinkex.sync.loop import LoopThread

__all__ = ["APIFuture"]

T = TypeVar("T")


class APIFuture(Generic[T]):
    """The blocking face of a `tinkex.APIFuture`; build it with `attach` or `starting`.

    Args:
        inner: The future, on `loop` (None until `starting`'s start ran there).
        loop: The loop `inner` runs on.
        outcome: Completed with `inner`'s result or error.
        request_type: The kind of request, known before `inner` exists.
    """

    __slots__ = ("_inner", "_loop", "_outcome", "_request_type")

    def __init__(
        self,
        inner: AsyncAPIFuture[T] | None,
        loop: LoopThread,
        outcome: concurrent.futures.Future[T],
        request_type: str = "",
    ) -> None:
        self._inner = inner
        self._loop = loop
        self._outcome = outcome
        self._request_type = request_type if inner is None else inner.request_type

    @classmethod
    def attach(cls, inner: AsyncAPIFuture[T], loop: LoopThread) -> APIFuture[T]:
        """Wrap `inner`; call on `loop`'s thread (a done-callback mirrors the outcome)."""
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        # A callback, not a task per call: a blocking call costs the two thread hops only.
        inner.add_done_callback(functools.partial(_mirror, outcome))
        return cls(inner, loop, outcome)

    @classmethod
    def starting(
        cls, start: Callable[[], AsyncAPIFuture[T]], loop: LoopThread, request_type: str
    ) -> APIFuture[T]:
        """A future of `start()`, which `loop`'s thread calls soon; returns at once.

        Call from any thread but the loop's. Calls started this way run in the order they
        were made. If `start` raises there, `result` raises that error.

        Raises:
            ClosedError: The loop was closed.
        """
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        future = cls(None, loop, outcome, request_type)
        loop.post(functools.partial(future._start, start))
        return future

    def _start(self, start: Callable[[], AsyncAPIFuture[T]]) -> None:
        # On the loop's thread. A cancel asked before this ran cancelled `outcome` already.
        if self._outcome.cancelled():
            return
        try:
            inner = start()
        except BaseException as exc:  # noqa: BLE001  # handed to the waiting caller as is
            self._outcome.set_exception(exc)
            return
        self._inner = inner
        inner.add_done_callback(functools.partial(_mirror, self._outcome))

    @property
    def async_future(self) -> AsyncAPIFuture[T]:
        """The `tinkex.APIFuture` this one waits on (it lives on `tinkex.sync`'s loop).

        Raises:
            Whatever starting the request raised, when it never started.
        """
        return self._loop.call(self._started_inner)

    def _started_inner(self) -> AsyncAPIFuture[T]:
        # On the loop's thread, after `_start` (posted earlier, so it ran first).
        if self._inner is None:
            self._outcome.result(0)  # raises what starting raised, or CancelledError
            raise RuntimeError("the request never started")  # pragma: no cover  # unreachable
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
        inner = self._inner
        if inner is None:
            return FutureTimeoutError(
                request_id="(not yet accepted)",
                request_type=self._request_type,
                timeout_s=timeout or 0.0,
                last_queue_state=None,
                seconds_since_last_response=None,
            )
        tracker = inner.tracker
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
        return await self._loop.run_async(self._inner_result(timeout))

    async def _inner_result(self, timeout: float | None) -> T:  # noqa: ASYNC109  # handed on to `tinkex.APIFuture.result`
        # On the loop's thread: `_start` ran before this coroutine's first step.
        return await self._started_inner().result(timeout)

    def coroutine(self) -> Coroutine[Any, Any, T]:
        """A coroutine of the result (the official SDK's spelling of `result_async()`)."""
        return self.result_async()

    def future(self) -> concurrent.futures.Future[T]:
        """A `concurrent.futures.Future` of the result (cancelling it cancels the request)."""
        return self._loop.submit(self._inner_result(None))

    def __await__(self) -> Generator[Any, None, T]:
        return self.result_async().__await__()

    def done(self) -> bool:
        """True once the result or the error is known, or the request was cancelled."""
        return self._outcome.done()

    def cancel(self) -> bool:
        """Stop waiting for the result (see `tinkex.APIFuture.cancel`); False when done."""
        return self._loop.call(self._cancel)

    def _cancel(self) -> bool:
        inner = self._inner
        if inner is None:
            return self._outcome.cancel()  # it failed to start (False), or never will
        return inner.cancel()

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
        inner = self._inner
        return None if inner is None else inner.request_id

    @property
    def request_type(self) -> str:
        """The kind of request (``ForwardBackward``, ``Sample``...)."""
        return self._request_type

    @property
    def state(self) -> FutureState:
        """Submitting, pending, done, failed or cancelled."""
        inner = self._inner
        if inner is not None:
            return inner.state
        if self._outcome.cancelled():
            return FutureState.CANCELLED
        if self._outcome.done():
            return FutureState.FAILED
        return FutureState.SUBMITTING

    def __repr__(self) -> str:
        return f"<tinkex.sync.APIFuture {self._request_type} state={self.state.value}>"


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
