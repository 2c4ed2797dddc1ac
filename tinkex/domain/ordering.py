"""Submission ordering for a training client: request ids and turns.

Every training operation reserves its request id(s) synchronously when it is called
(`TurnSequencer.reserve`), from a counter that starts at 0; the wire ``seq_id`` is the request
id + 1. Submissions then take turns: an operation may send its HTTP request only once every
earlier id has been submitted, and the turn moves on as soon as the submission returns (not when
the server finishes), so callers can pipeline ``forward_backward`` and ``optim_step`` and await
both later.

A multi-chunk call owns a contiguous range of ids. With parallel chunk submission all chunks
enter `TurnSequencer.turn_range` together (``members`` = number of chunks) and the range advances
when the last of them leaves; in serial mode each chunk takes a one-id `turn` of its own. (The
official client starts the first chunk's HTTP request last, so that the server, which will not
run later seq_ids before the first arrives, finds the whole batch queued; that choice belongs
to the caller, which decides when each member starts its request inside the block.)

Liveness rules (why no reserved id can wedge the client):

* leaving a turn block advances the turn even when the block raised;
* a member cancelled while still waiting counts as done, so the range is skipped when its turn
  comes;
* an id that was reserved but will never be submitted must be given back with `abandon`.

`poison` is for failures that leave the server's view of the sequence unknowable (a client-side
custom-loss computation failing between its two phases): every waiting and future turn, and
every later `reserve`, raises `PoisonedClientError`.

The sequencer belongs to one event loop and needs no locks: every state change happens in
synchronous code between awaits.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tinkex.errors import ClosedError, ValidationError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractAsyncContextManager

__all__ = ["CLONE_SEQ_STRIDE", "PoisonedClientError", "TurnSequencer"]

CLONE_SEQ_STRIDE = 1_000_000_000
"""A sampling clone's request seq_ids start at ``clone_id x`` this (the original's at 0)."""


class PoisonedClientError(ClosedError):
    """An earlier operation failed in a way that makes further training requests unsafe.

    Raised by every operation queued behind, or submitted after, the failure. Create a new
    training client (for example from the last saved state) to continue.
    """


_POISONED_MESSAGE = (
    "a previous request failed; this training client is poisoned and cannot accept further requests"
)


@dataclass(slots=True)
class _Range:
    count: int
    members: int
    joined: int = 0
    left: int = 0


class TurnSequencer:
    """Hands out request ids and lets submissions take their turns in id order.

    Args:
        start: The first request id (and the first turn).
    """

    def __init__(self, start: int = 0) -> None:
        self._next_id = start
        self._turn = start
        self._ranges: dict[int, _Range] = {}
        self._finished: dict[int, int] = {}  # start -> count of ranges done before their turn
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._poison: BaseException | None = None

    @property
    def next_id(self) -> int:
        """The id the next `reserve` will return."""
        return self._next_id

    @property
    def current_turn(self) -> int:
        """The lowest id not yet submitted (or abandoned)."""
        return self._turn

    @property
    def poisoned(self) -> BaseException | None:
        """The exception given to `poison`, or None while healthy."""
        return self._poison

    def reserve(self, n: int = 1) -> int:
        """Reserve `n` consecutive request ids.

        Args:
            n: How many ids (one per chunk and phase of the operation).

        Returns:
            The first reserved id.

        Raises:
            ValidationError: `n` is below 1.
            PoisonedClientError: The sequencer was poisoned.
        """
        self._raise_if_poisoned()
        if n < 1:
            raise ValidationError(f"must be >= 1, got {n}", field="n")
        first = self._next_id
        self._next_id += n
        return first

    def abandon(self, first: int, count: int = 1) -> None:
        """Give back a reserved range that will never be submitted, so later turns proceed.

        Args:
            first: First id of the range, as returned by `reserve`.
            count: Length of the range.

        Raises:
            ValidationError: The range was not reserved, already passed or is in use.
        """
        self._check_range(first, count)
        if first in self._ranges:
            raise ValidationError(f"range starting at {first} is in use", field="first")
        self._finish(first, count)

    def turn(
        self, first: int, count: int = 1, *, poison_on_error: bool = False
    ) -> AbstractAsyncContextManager[None]:
        """Wait for the turn of a range with a single submission; advance when the block exits.

        Args:
            first: First id of the range.
            count: Length of the range (the turn moves past all of it on exit).
            poison_on_error: When the block raises, poison the sequencer before the turn
                moves on, so no later submission slips out behind an id that was never sent.

        Returns:
            An async context manager.
        """
        return self._member(first, count, 1, poison_on_error=poison_on_error)

    def turn_range(
        self, first: int, count: int, *, members: int
    ) -> AbstractAsyncContextManager[None]:
        """Wait for the turn of a range shared by `members` concurrent submissions.

        Every member enters with the same `first`, `count` and `members`; all of them proceed
        together once every earlier id is done, and the turn moves past the range when the last
        member leaves its block (normally, by raising, or by being cancelled while waiting).

        Args:
            first: First id of the range.
            count: Length of the range.
            members: How many submissions share the range.

        Returns:
            An async context manager.

        Raises:
            ValidationError: Inconsistent arguments (raised on entering the block).
            PoisonedClientError: The sequencer is or becomes poisoned before the turn arrives.
        """
        return self._member(first, count, members, poison_on_error=False)

    def poison(self, exc: BaseException) -> None:
        """Make every waiting and future turn, and every later reserve, fail.

        Args:
            exc: The failure; chained as the cause of each `PoisonedClientError`.
        """
        if self._poison is None:
            self._poison = exc
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        self._waiters.clear()

    @asynccontextmanager
    async def _member(
        self, first: int, count: int, members: int, *, poison_on_error: bool
    ) -> AsyncIterator[None]:
        self._raise_if_poisoned()
        self._join(first, count, members)
        try:
            await self._wait_for(first)
            try:
                yield
            except BaseException as exc:
                if poison_on_error:
                    self.poison(exc)
                raise
        finally:
            self._leave(first)

    def _join(self, first: int, count: int, members: int) -> None:
        if members < 1:
            raise ValidationError(f"must be >= 1, got {members}", field="members")
        state = self._ranges.get(first)
        if state is None:
            self._check_range(first, count)
            state = self._ranges[first] = _Range(count, members)
        elif (state.count, state.members) != (count, members):
            raise ValidationError(
                f"range {first} joined as count={count}, members={members} but registered as "
                f"count={state.count}, members={state.members}",
                field="first",
            )
        if state.joined == state.members:
            raise ValidationError(f"range {first} already has all its members", field="members")
        state.joined += 1

    def _check_range(self, first: int, count: int) -> None:
        if count < 1:
            raise ValidationError(f"must be >= 1, got {count}", field="count")
        end = first + count
        taken = [*self._finished.items(), *((k, r.count) for k, r in self._ranges.items())]
        overlaps = any(start < end and first < start + n for start, n in taken)
        if first < self._turn or end > self._next_id or overlaps:
            raise ValidationError(
                f"ids [{first}, {end}) are not reserved, pending and unused "
                f"(turn {self._turn}, next id {self._next_id})",
                field="first",
            )

    async def _wait_for(self, first: int) -> None:
        while self._turn != first:
            self._raise_if_poisoned()
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(first, []).append(waiter)
            await waiter
        self._raise_if_poisoned()

    def _leave(self, first: int) -> None:
        state = self._ranges[first]
        state.left += 1
        if state.left == state.members:
            del self._ranges[first]
            self._finish(first, state.count)

    def _finish(self, first: int, count: int) -> None:
        self._finished[first] = count
        while self._turn in self._finished:
            self._turn += self._finished.pop(self._turn)
        for waiter in self._waiters.pop(self._turn, ()):
            if not waiter.done():
                waiter.set_result(None)

    def _raise_if_poisoned(self) -> None:
        if self._poison is not None:
            raise PoisonedClientError(_POISONED_MESSAGE) from self._poison
