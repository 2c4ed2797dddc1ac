"""The future (promise) state machine behind ``retrieve_future``.

A request is created QUEUED, goes RUNNING when its worker starts, and ends DONE (with a
`FutureResult`) or FAILED (with a message and a blame category). Finished entries live for
``result_ttl_s``; after that the id answers 410 (gone), and an id never issued answers 404.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from tinkex.local.reply import HttpError

if TYPE_CHECKING:
    from tinkex.local.results import FutureResult
    from tinkex.ports.clock import Clock

__all__ = ["FutureEntry", "FutureState", "FutureStore", "wait_event"]


class FutureState(StrEnum):
    """Lifecycle of one request."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class FutureEntry:
    """One request's state.

    Attributes:
        request_id: Opaque id handed to the client.
        request_type: ``CreateModel``, ``ForwardBackward``, ``Sample``...
        model_id: The model (or sampler) it concerns, if any.
        state: Where it is in its lifecycle.
        result: The payload once DONE.
        error: The message once FAILED.
        category: ``user`` or ``server`` once FAILED.
        finished_at: Monotonic time it finished.
        extra: More fields of the submission response (``sample_sequence_ids``).
    """

    request_id: str
    request_type: str
    model_id: str | None = None
    state: FutureState = FutureState.QUEUED
    result: FutureResult | None = None
    error: str | None = None
    category: str = "server"
    finished_at: float | None = None
    extra: dict[str, object] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        """True once DONE or FAILED."""
        return self.state in (FutureState.DONE, FutureState.FAILED)

    def submission(self) -> dict[str, object]:
        """The JSON answer of the endpoint that created this future."""
        body: dict[str, object] = {"request_id": self.request_id}
        if self.model_id is not None:
            body["model_id"] = self.model_id
        body.update(self.extra)
        return body


async def wait_event(clock: Clock, event: asyncio.Event, timeout_s: float) -> bool:
    """Wait for `event` at most `timeout_s` on `clock` (which may be virtual); True if set."""
    if event.is_set() or timeout_s <= 0:
        return event.is_set()
    waiter = asyncio.ensure_future(event.wait())
    sleeper = asyncio.ensure_future(clock.sleep(timeout_s))
    try:
        await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        sleeper.cancel()
        await asyncio.gather(waiter, sleeper, return_exceptions=True)
    return event.is_set()


class FutureStore:
    """All futures of one backend.

    Args:
        clock: Time source (monotonic for expiry, sleep for long polls).
        result_ttl_s: How long finished results stay retrievable.
        tombstones: How many expired ids are remembered to answer 410 rather than 404.
    """

    def __init__(self, clock: Clock, *, result_ttl_s: float, tombstones: int = 10_000) -> None:
        self._clock = clock
        self._ttl = result_ttl_s
        self._entries: dict[str, FutureEntry] = {}
        self._finished: OrderedDict[str, float] = OrderedDict()
        self._expired: deque[str] = deque(maxlen=tombstones)
        self._expired_set: set[str] = set()

    def create(self, request_type: str, model_id: str | None = None) -> FutureEntry:
        """Register a new QUEUED request."""
        self.sweep()
        entry = FutureEntry(f"req-{uuid.uuid4().hex}", request_type, model_id)
        self._entries[entry.request_id] = entry
        return entry

    def get(self, request_id: str) -> FutureEntry:
        """Look a request up.

        Raises:
            HttpError: 410 when its result expired, 404 when the id is unknown.
        """
        self.sweep()
        entry = self._entries.get(request_id)
        if entry is not None:
            return entry
        if request_id in self._expired_set:
            raise HttpError(410, f"result of request {request_id} expired")
        raise HttpError(404, f"unknown request id {request_id}")

    def start(self, entry: FutureEntry) -> None:
        """Mark a request as running."""
        if not entry.finished:
            entry.state = FutureState.RUNNING

    def complete(self, entry: FutureEntry, result: FutureResult) -> None:
        """Finish a request successfully (a request cancelled meanwhile stays cancelled)."""
        if entry.finished:
            return
        entry.result = result
        self._finish(entry, FutureState.DONE)

    def fail(self, entry: FutureEntry, message: str, category: str) -> None:
        """Finish a request as failed, blaming ``user`` or ``server``."""
        entry.error = message
        entry.category = category
        self._finish(entry, FutureState.FAILED)

    def _finish(self, entry: FutureEntry, state: FutureState) -> None:
        if entry.finished:
            return
        entry.state = state
        entry.finished_at = self._clock.monotonic()
        self._finished[entry.request_id] = entry.finished_at
        entry.done.set()

    async def wait(self, entry: FutureEntry, timeout_s: float) -> bool:
        """Wait up to `timeout_s` (on the clock) for the request to finish; True if it did."""
        if not entry.finished:
            await wait_event(self._clock, entry.done, timeout_s)
        return entry.finished

    def sweep(self) -> None:
        """Forget finished results older than the TTL (they then answer 410)."""
        horizon = self._clock.monotonic() - self._ttl
        while self._finished:
            request_id, finished_at = next(iter(self._finished.items()))
            if finished_at > horizon:
                break
            del self._finished[request_id]
            self._entries.pop(request_id, None)
            if len(self._expired) == self._expired.maxlen:
                self._expired_set.discard(self._expired[0])
            self._expired.append(request_id)
            self._expired_set.add(request_id)

    def pending(self) -> list[FutureEntry]:
        """Requests not finished yet."""
        return [e for e in self._entries.values() if not e.finished]
