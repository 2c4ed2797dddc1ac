"""APIFuture: the awaitable, inspectable handle every submitting client method returns.

Once the server has accepted a request, its future waits at most a deadline for the result:
the manifest's ``futures.default_deadline_s`` (one hour as shipped), or the one chosen for the
calls made inside ``with future_deadline(seconds):``. When it passes, polling stops and
awaiting the future raises `FutureTimeoutError` naming the request id, its type and the last
queue state. Before that, the submission is bounded by its request timeouts and retry budget,
and `ServiceClient.pending()` lists it.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from tinkex.clients.official_names import APIFutureOfficialNames
from tinkex.errors import FutureTimeoutError
from tinkex.flows.deadlines import future_deadline
from tinkex.ports.futures import QueueState, QueueStateObserver

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Generator

    from tinkex.ports.clock import Clock

__all__ = ["APIFuture", "FutureState", "FutureTracker", "PendingRequest", "future_deadline"]

T = TypeVar("T")
U = TypeVar("U")


class FutureState(StrEnum):
    """Where a request stands, as far as the client knows."""

    SUBMITTING = "submitting"
    """Waiting for its turn, or being sent."""
    PENDING = "pending"
    """Accepted by the server; the result is being polled for."""
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PendingRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One outstanding request, as `ServiceClient.pending()` lists it.

    Attributes:
        state: ``submitting`` (sent or retrying, not yet accepted) or ``pending`` (accepted,
            its result being polled for).
        request_type: The kind of request (``ForwardBackward``, ``Sample``...).
        age_s: Seconds in its current state (since first sent, or since polling started).
        request_id: The server's id, once it accepted the request.
        endpoint: The endpoint a submission goes to (submitting only).
        sdk_method: The public method that made it, when known (submitting only).
        poll_iterations: Polls sent so far.
        last_status: HTTP status of the last poll answer, if one arrived.
        last_queue_state: The last queue state the server reported, if any.
        seconds_since_last_response: Seconds since the server last answered a poll.
    """

    state: FutureState
    request_type: str
    age_s: float
    request_id: str | None = None
    endpoint: str | None = None
    sdk_method: str | None = None
    poll_iterations: int = 0
    last_status: int | None = None
    last_queue_state: QueueState | None = None
    seconds_since_last_response: float | None = None


class FutureTracker:
    """What one request's future knows while it runs; also its queue-state observer.

    Submitting code sets `request_id` once the server accepted the request; the poller
    reports queue states here, and they are forwarded to the caller's observer.
    `since_last_response(request_id)` (optional) says how long ago the server last answered
    a poll, for timeout messages. (A `QueueStateObserver` by its methods: slotted, one
    object per request rather than two, as thousands are alive in a fan-out.)
    """

    __slots__ = (
        "_clock",
        "_created_at",
        "_observers",
        "_since_last_response",
        "last_queue_state",
        "last_queue_state_reason",
        "request_id",
        "request_type",
        "submitted_at",
    )

    def __init__(
        self,
        request_type: str,
        *,
        clock: Clock,
        observers: tuple[QueueStateObserver, ...] = (),
        since_last_response: Callable[[str], float | None] | None = None,
    ) -> None:
        self.request_type = request_type
        self.request_id: str | None = None
        self.last_queue_state: QueueState | None = None
        self.last_queue_state_reason: str | None = None
        self.submitted_at: float | None = None
        self._clock = clock
        self._observers = observers
        self._since_last_response = since_last_response
        self._created_at = clock.monotonic()

    def mark_submitted(self, request_id: str) -> None:
        """Record that the server accepted the request under `request_id`."""
        self.request_id = request_id
        self.submitted_at = self._clock.monotonic()

    def seconds_since_last_response(self) -> float | None:
        """Seconds since the server last answered a poll of this request (None: unknown)."""
        if self.request_id is None or self._since_last_response is None:
            return None
        return self._since_last_response(self.request_id)

    def created_roundtrip_s(self) -> float:
        """Seconds from the call to the server accepting it (sent on the first poll)."""
        end = self.submitted_at if self.submitted_at is not None else self._clock.monotonic()
        return end - self._created_at

    def on_queue_state_change(
        self, queue_state: QueueState, queue_state_reason: str | None, /
    ) -> None:
        """Remember the state and tell the caller's observers (never raises)."""
        self.last_queue_state = queue_state
        self.last_queue_state_reason = queue_state_reason
        for observer in self._observers:
            try:
                observer.on_queue_state_change(queue_state, queue_state_reason)
            except Exception:  # noqa: BLE001  # an observer's bug must not fail the request
                continue


class APIFuture(APIFutureOfficialNames, Generic[T]):
    """A request in flight: await it for the result, or inspect and cancel it.

    The request was queued for submission in call order when the future was created; the
    result is produced by a task on the caller's event loop. Awaiting it twice gives the same
    result; cancelling the future stops the waiting and polling (see `cancel`).
    """

    def __init__(self, task: asyncio.Task[T], tracker: FutureTracker) -> None:
        self._task = task
        self._tracker = tracker

    @classmethod
    def start(
        cls, work: Coroutine[Any, Any, T], tracker: FutureTracker, *, name: str
    ) -> APIFuture[T]:
        """Run `work` as a task on the running loop and wrap it."""
        return cls(asyncio.get_running_loop().create_task(work, name=name), tracker)

    @property
    def tracker(self) -> FutureTracker:
        """What this future knows about its request (shared with derived futures)."""
        return self._tracker

    @property
    def request_id(self) -> str | None:
        """The server's request id, once the request was accepted (else None)."""
        return self._tracker.request_id

    @property
    def request_type(self) -> str:
        """The kind of request (``ForwardBackward``, ``Sample``...)."""
        return self._tracker.request_type

    @property
    def last_queue_state(self) -> QueueState | None:
        """The last queue state the server reported for this request, if any."""
        return self._tracker.last_queue_state

    @property
    def state(self) -> FutureState:
        """Submitting, pending, done, failed or cancelled."""
        if self._task.cancelled():
            return FutureState.CANCELLED
        if self._task.done():
            return FutureState.FAILED if self._task.exception() is not None else FutureState.DONE
        if self._tracker.request_id is None:
            return FutureState.SUBMITTING
        return FutureState.PENDING

    def add_done_callback(self, callback: Callable[[APIFuture[T]], object]) -> None:
        """Call `callback(self)` once the future is done, failed or cancelled."""
        self._task.add_done_callback(lambda _: callback(self))

    def done(self) -> bool:
        """True once the result or the error is known, or the future was cancelled."""
        return self._task.done()

    def outcome(self) -> T:
        """The result of a future that is done (`InvalidStateError` before; raises its error).

        For callbacks (`add_done_callback`), which run once the outcome is known.
        """
        return self._task.result()

    def exception(self) -> BaseException | None:
        """The error the operation failed with, or None (not done, succeeded or cancelled)."""
        if not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()

    def cancel(self) -> bool:
        """Stop waiting for the result (and polling for it); False when already done.

        A training request is still submitted if it was not yet: its seq_id was reserved at
        call time, and the server applies a run's seq_ids strictly in order. A sample the
        server already accepted is cancelled there too (``cancel_future``) when the server's
        dynamic config enables it; cancelling the task awaiting the future does the same.
        """
        return self._task.cancel()

    async def result(self, timeout: float | None = None) -> T:  # noqa: ASYNC109  # the public API of futures takes a timeout, like concurrent.futures
        """Wait for the result.

        Args:
            timeout: Seconds to wait here, or None to wait until the future's own deadline
                (see the module docs). On this timeout the request keeps running; await
                again to keep waiting.

        Raises:
            FutureTimeoutError: The timeout passed; names the request id, its type and the
                last queue state.
            RequestFailedError: The server finished the request as failed.
        """
        if timeout is None:
            return await self._task
        try:
            return await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError as exc:
            if self._task.done():
                raise
            raise FutureTimeoutError(
                request_id=self._tracker.request_id or "(not yet accepted)",
                request_type=self._tracker.request_type,
                timeout_s=timeout,
                last_queue_state=(
                    self._tracker.last_queue_state.value
                    if self._tracker.last_queue_state is not None
                    else None
                ),
                seconds_since_last_response=self._tracker.seconds_since_last_response(),
            ) from exc

    def map(self, transform: Callable[[T], U]) -> APIFuture[U]:
        """A future of `transform(result)` sharing this one's request."""

        async def mapped() -> U:
            return transform(await self._task)

        return APIFuture.start(mapped(), self._tracker, name=self._task.get_name() + ":map")

    def __await__(self) -> Generator[Any, None, T]:
        return self._task.__await__()

    def __repr__(self) -> str:
        return (
            f"<APIFuture {self._tracker.request_type} request_id={self.request_id!r} "
            f"state={self.state.value}>"
        )
