"""`tinkex.sync.APIFuture`: a request in flight whose `result()` blocks.

It wraps the `tinkex.APIFuture` that the async client returned on `tinkex.sync`'s loop:
waiting, timeouts and errors are that future's (a `FutureTimeoutError` names the request and
its last queue state; a failed request raises its tinkex error). It can also be awaited, from
any event loop, as the official SDK's futures can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import Coroutine, Generator

    from tinkex.clients.futures import APIFuture as AsyncAPIFuture
    from tinkex.clients.futures import FutureState
    from tinkex.sync.loop import LoopThread

__all__ = ["APIFuture"]

T = TypeVar("T")


class APIFuture(Generic[T]):
    """The blocking face of a `tinkex.APIFuture`.

    Args:
        inner: The future, on `loop`.
        loop: The loop `inner` runs on.
    """

    __slots__ = ("_inner", "_loop")

    def __init__(self, inner: AsyncAPIFuture[T], loop: LoopThread) -> None:
        self._inner = inner
        self._loop = loop

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
        return self._loop.run(self._inner.result(timeout))

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
        return self._inner.done()

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
