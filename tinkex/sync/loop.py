"""The one thread `tinkex.sync` runs: tinkex's own event loop, for blocking callers.

The thread starts with the first `tinkex.sync` client of the process (importing the module
starts nothing) and is a daemon: it never keeps a finished program alive. At interpreter exit,
or on `shutdown()`, the service clients still open are closed (their sessions finished, their
connections released) and the loop stops. Any thread may call in, including one whose own
event loop is running (a Jupyter cell): the caller only waits on a `concurrent.futures`
future, it never runs or nests a loop. Only the loop's own thread may not block on it (that
would wait for itself forever).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.errors import ClosedError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from tinkex.clients.service import ServiceClient

__all__ = ["LoopThread", "default_loop", "shutdown"]

T = TypeVar("T")

_LOG = logging.getLogger("tinkex.sync")
_LOG.addHandler(logging.NullHandler())

_EXIT_CLOSE_TIMEOUT_S = 30.0
"""How long interpreter exit waits for the open sessions to finish."""


class LoopThread:
    """An asyncio event loop running forever on a daemon thread of its own.

    Args:
        name: The thread's name (shown by debuggers and `threading.enumerate`).
    """

    def __init__(self, name: str = "tinkex-sync") -> None:
        self._loop = asyncio.new_event_loop()
        self._services: list[ServiceClient] = []
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            # Whatever still runs (a poll nobody waits for) is cancelled, not abandoned.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    @property
    def thread(self) -> threading.Thread:
        """The loop's thread."""
        return self._thread

    @property
    def closed(self) -> bool:
        """True once `close` began: nothing more can run here."""
        return self._closed

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the loop and wait for it; its exception is raised here as it is.

        An interrupt (Ctrl-C) while waiting cancels `work` and propagates.

        Raises:
            ClosedError: The loop was closed.
            RuntimeError: Called from the loop's own thread (it would wait for itself).
        """
        if threading.current_thread() is self._thread:
            work.close()
            raise RuntimeError(
                "a tinkex.sync call cannot block on tinkex.sync's own loop thread; "
                "await the tinkex (async) client there instead"
            )
        future = self.submit(work)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def call(self, function: Callable[[], T]) -> T:
        """Call `function` on the loop's thread (for code that needs the running loop).

        Cheaper than `run` (no task is made): a callback on the loop, a future to wait on.

        Raises:
            ClosedError: The loop was closed.
            RuntimeError: Called from the loop's own thread.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "a tinkex.sync call cannot block on tinkex.sync's own loop thread; "
                "await the tinkex (async) client there instead"
            )
        if self._closed:
            raise ClosedError("tinkex.sync's event loop was shut down")
        answer: concurrent.futures.Future[T] = concurrent.futures.Future()

        def invoke() -> None:
            try:
                answer.set_result(function())
            except BaseException as exc:  # noqa: BLE001  # handed to the waiting caller as is
                answer.set_exception(exc)

        self._loop.call_soon_threadsafe(invoke)
        return answer.result()

    def post(self, callback: Callable[[], object]) -> None:
        """Have the loop's thread call `callback` soon, in posting order; do not wait.

        Raises:
            ClosedError: The loop was closed.
        """
        if self._closed:
            raise ClosedError("tinkex.sync's event loop was shut down")
        self._loop.call_soon_threadsafe(callback)

    async def run_async(self, work: Coroutine[Any, Any, T]) -> T:
        """Await `work`, run on this loop, from another loop (or this one)."""
        if asyncio.get_running_loop() is self._loop:
            return await work
        return await asyncio.wrap_future(self.submit(work))

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start `work` on the loop and return its `concurrent.futures.Future` at once.

        Raises:
            ClosedError: The loop was closed.
        """
        if self._closed:
            work.close()
            raise ClosedError("tinkex.sync's event loop was shut down")
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    def track(self, service: ServiceClient) -> None:
        """Close `service` when this loop shuts down, if it is still open then.

        Held until then (a client dropped without closing still gets its session finished).
        """
        self._services = [s for s in self._services if not s.closed]
        self._services.append(service)

    def close(self, timeout: float = _EXIT_CLOSE_TIMEOUT_S) -> None:
        """Close the tracked services still open, stop the loop and join its thread.

        Errors closing a service are logged (``tinkex.sync`` logger), not raised: this runs at
        interpreter exit too. Safe to call twice.
        """
        if self._closed:
            return
        services = [s for s in self._services if not s.closed]
        if services and self._thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(_close_all(services), self._loop)
            try:
                future.result(timeout)
            except Exception:  # noqa: BLE001  # exit must go on; say what went wrong
                _LOG.warning("closing tinkex.sync's open sessions failed", exc_info=True)
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)


async def _close_all(services: list[ServiceClient]) -> None:
    results = await asyncio.gather(*(s.close() for s in services), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            _LOG.warning("closing a tinkex.sync session failed: %r", result)


_LOCK = threading.Lock()
_DEFAULT: LoopThread | None = None


def default_loop() -> LoopThread:
    """The process's `tinkex.sync` loop, started on first use (and again after `shutdown`)."""
    global _DEFAULT  # one loop thread per process, created on demand
    with _LOCK:
        if _DEFAULT is None or _DEFAULT.closed:
            if _DEFAULT is None:
                atexit.register(shutdown)
            _DEFAULT = LoopThread()
        return _DEFAULT


def shutdown(timeout: float = _EXIT_CLOSE_TIMEOUT_S) -> None:
    """Close every open `tinkex.sync` session and stop the loop thread (runs at exit too).

    The next `tinkex.sync` client starts a new thread.
    """
    with _LOCK:
        loop = _DEFAULT
    if loop is not None:
        loop.close(timeout)
