"""Per-model ordering: training requests are applied strictly in ``seq_id`` order.

Creating or loading a model is step 0; its first operation is ``seq_id`` 1. A request with
``seq_id`` s waits until s-1 was applied, so requests that arrive out of order (parallel
chunk submission, racing connections) still apply in order. A gap that stays open for
``gap_timeout_s`` is skipped, so one lost request cannot wedge a model forever.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tinkex.local.futures import wait_event

if TYPE_CHECKING:
    from tinkex.ports.clock import Clock

__all__ = ["Sequencer"]


class Sequencer:
    """Gatekeeper of one model's request order.

    Args:
        clock: Time source for the gap timeout.
        gap_timeout_s: How long the lowest waiting request waits for a missing predecessor.
    """

    def __init__(self, clock: Clock, *, gap_timeout_s: float) -> None:
        self._clock = clock
        self._gap_timeout_s = gap_timeout_s
        self.applied = -1
        self._changed = asyncio.Event()
        self._busy = asyncio.Lock()
        self.skipped: list[int] = []

    async def turn(self, seq_id: int | None) -> None:
        """Wait until it is this request's turn, then hold the model until `release`.

        Args:
            seq_id: The request's position; None (or one already passed) runs next in
                arrival order without reordering.
        """
        if seq_id is not None and seq_id > self.applied:
            await self._wait_for_predecessor(seq_id)
        await self._busy.acquire()

    async def _wait_for_predecessor(self, seq_id: int) -> None:
        since = self._clock.monotonic()
        step = self._gap_timeout_s / 10
        while self.applied < seq_id - 1:
            self._changed.clear()
            if await wait_event(self._clock, self._changed, step):
                since = self._clock.monotonic()  # progress: the gap may still close
                continue
            stalled = self._clock.monotonic() - since >= self._gap_timeout_s
            if stalled and not self._busy.locked():
                self.skipped.extend(range(self.applied + 1, seq_id))
                self.applied = seq_id - 1

    def release(self, seq_id: int | None) -> None:
        """Mark the request applied and let the next one run."""
        if seq_id is not None and seq_id > self.applied:
            self.applied = seq_id
        self._busy.release()
        self._changed.set()
