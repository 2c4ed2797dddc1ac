"""`DeadlineTimers`: every future deadline of a resolver fired by one task, not one per future.

A future's deadline bounds the whole wait for its result, however it is waited for (polls,
a batch poller's completion, the fetch after it). Arming a timer records the waiting task and
its deadline in a heap; one runner task sleeps on the `Clock` until the earliest deadline and
cancels the task of each expired timer, as `asyncio.timeout` does with the event loop's own
timer. The waiting code then sees `asyncio.CancelledError`, asks `expired` whether it was the
deadline (and not someone else) that cancelled it, and raises its own timeout error.

A timer per future would cost a task and an `asyncio.wait` per future, which is a large part
of what a sample costs when thousands are in flight. The runner runs only while a timer is
armed, so an idle client has no task left behind.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.ports.clock import Clock

__all__ = ["DeadlineTimer", "DeadlineTimers"]

# Disarmed timers stay in the heap until popped; past this many (and more than the armed
# ones) the heap is rebuilt, so finished futures do not pile up until their deadlines.
_COMPACT_AFTER = 1024


class DeadlineTimer:
    """One armed deadline: the task it cancels once `at` passes.

    Timers order by deadline, then by arming order, so the heap holds the timers themselves
    (no tuple per armed future).
    """

    __slots__ = ("at", "fired", "order", "task")

    def __init__(self, at: float, task: asyncio.Task[object], order: int = 0) -> None:
        self.at = at
        self.order = order
        self.task: asyncio.Task[object] | None = task
        self.fired = False

    def __lt__(self, other: DeadlineTimer) -> bool:
        return (self.at, self.order) < (other.at, other.order)


class DeadlineTimers:
    """The deadlines of one client stack's futures, fired on its clock.

    Args:
        clock: The time source (virtual in tests).
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._heap: list[DeadlineTimer] = []
        self._order = itertools.count()
        self._armed = 0
        self._runner: asyncio.Task[None] | None = None
        self._runner_wakes_at = float("inf")

    def arm(self, seconds: float) -> DeadlineTimer:
        """Cancel the current task in `seconds` unless `disarm` is called first.

        Raises:
            RuntimeError: Not called from a task.
        """
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a deadline needs a running task to cancel")
        timer = DeadlineTimer(self._clock.monotonic() + seconds, task, next(self._order))
        heapq.heappush(self._heap, timer)
        self._armed += 1
        if self._runner is None or timer.at < self._runner_wakes_at:
            # None running, or it sleeps past this deadline: start one that sees it.
            if self._runner is not None:
                self._runner.cancel()
            self._runner = asyncio.get_running_loop().create_task(
                self._run(), name="tinkex-future-deadlines"
            )
            # Until it first looks at the heap, the new runner will see every timer armed
            # meanwhile: a burst of arms in one loop iteration starts one runner, not one each.
            self._runner_wakes_at = -math.inf
        return timer

    def disarm(self, timer: DeadlineTimer) -> None:
        """Forget `timer` (its wait ended); the runner stops once no timer is armed."""
        if timer.task is None:
            return
        timer.task = None
        self._armed -= 1
        if self._armed == 0:
            self._heap.clear()
            if self._runner is not None:
                self._runner.cancel()
                self._runner = None
                self._runner_wakes_at = float("inf")
        elif len(self._heap) > _COMPACT_AFTER and len(self._heap) > 2 * self._armed:
            self._heap = [timer for timer in self._heap if timer.task is not None]
            heapq.heapify(self._heap)

    @staticmethod
    def expired(timer: DeadlineTimer) -> bool:
        """True when `timer` cancelled its task and nothing else did (call once, on cancel).

        Withdraws the timer's cancellation request, so the task can go on (and raise its
        timeout error) instead of being cancelled again at its next wait.
        """
        if not timer.fired:
            return False
        task = asyncio.current_task()
        return task is not None and task.uncancel() == 0

    async def _run(self) -> None:
        while True:
            heap = self._heap  # `disarm` may have rebuilt it while this task slept
            while heap and heap[0].task is None:
                heapq.heappop(heap)
            if not heap:
                break
            timer = heap[0]
            at = timer.at
            now = self._clock.monotonic()
            if at > now:
                self._runner_wakes_at = at
                await self._clock.sleep(at - now)
                continue
            heapq.heappop(heap)
            task, timer.task = timer.task, None
            self._armed -= 1
            timer.fired = True
            if task is not None:
                task.cancel()
        if self._runner is asyncio.current_task():
            self._runner = None
            self._runner_wakes_at = float("inf")
