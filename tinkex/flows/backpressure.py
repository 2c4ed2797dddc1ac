"""Sampling dispatch limits and 429 backpressure (spec §6.4).

Every `sample` attempt passes through one `SamplingDispatcher` per holder: a count semaphore
(400), a 10-slot throttle while a backoff is recent, and a byte budget (10 MiB) in which
prompts weigh x20 while a backoff is recent. A 429 on submission is not an error: the caller's
`send` returns None, the dispatcher sets a holder-wide backoff (1 s for prompts up to 128 KiB,
5 s above) and re-sends once it has passed. The limits are released as soon as the server
accepts the request, before its future is polled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import msgspec

from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.count_semaphore import CountSemaphore

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.ports.clock import Clock

__all__ = ["BackpressureConfig", "SamplingDispatcher"]

T = TypeVar("T")


class BackpressureConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits of the sampling dispatcher.

    Attributes:
        max_concurrent: Sample submissions in flight per holder.
        throttled_concurrent: Extra limit applied while a backoff is recent.
        bytes_budget: Byte budget for prompts being submitted (server flag
            ``sample_dispatch_bytes_semaphore_size``).
        backoff_weight: Multiplier on a prompt's bytes while a backoff is recent.
        small_request_bytes: Prompts up to this size back off `small_backoff_s`, larger ones
            `large_backoff_s`.
        small_backoff_s: Backoff after a 429 on a small prompt.
        large_backoff_s: Backoff after a 429 on a large prompt.
        recent_window_s: A backoff counts as recent until this long after its deadline.
        wait_step_s: Granularity of the wait for the backoff deadline.
    """

    max_concurrent: int = 400
    throttled_concurrent: int = 10
    bytes_budget: int = 10 * 1024 * 1024
    backoff_weight: int = 20
    small_request_bytes: int = 128 * 1024
    small_backoff_s: float = 1.0
    large_backoff_s: float = 5.0
    recent_window_s: float = 10.0
    wait_step_s: float = 1.0


class SamplingDispatcher:
    """Admit sample submissions under the holder-wide limits and ride out 429s.

    Attributes:
        bytes: The prompt byte budget.
        backoff_until: Monotonic deadline of the current backoff, if any was ever set.
        backoffs: How many 429s were absorbed.
        in_flight: Submissions admitted and not yet accepted by the server.
    """

    def __init__(self, config: BackpressureConfig | None = None, *, clock: Clock) -> None:
        self.config = config or BackpressureConfig()
        self._clock = clock
        self._count = CountSemaphore(self.config.max_concurrent)
        self._throttle = CountSemaphore(self.config.throttled_concurrent)
        self.bytes = BytesSemaphore(self.config.bytes_budget)
        self.backoff_until: float | None = None
        self.backoffs = 0
        self.in_flight = 0

    def backoff_recent(self) -> bool:
        """True before the backoff deadline and for `recent_window_s` after it."""
        if self.backoff_until is None:
            return False
        return self._clock.monotonic() - self.backoff_until < self.config.recent_window_s

    def set_backoff(self, estimate_bytes: int) -> float:
        """Start (or move) the holder-wide backoff after a 429; returns its length."""
        cfg = self.config
        duration = (
            cfg.small_backoff_s
            if estimate_bytes <= cfg.small_request_bytes
            else cfg.large_backoff_s
        )
        self.backoff_until = self._clock.monotonic() + duration
        self.backoffs += 1
        return duration

    async def dispatch(self, estimate_bytes: int, send: Callable[[], Awaitable[T | None]]) -> T:
        """Submit under the limits, re-sending after each 429 until the server accepts.

        Args:
            estimate_bytes: The prompt's estimated size (spec §6.4 step 1).
            send: One submission attempt; returns None when the server answered 429 (or a
                402 inside the billing window), the accepted response otherwise.

        Returns:
            Whatever `send` returned once it was not None.
        """
        # Plain acquire/release pairs with synchronous fast paths: an AsyncExitStack, or a
        # coroutine per uncontended acquire, costs several frames per sample.
        count = self._count
        if not count.try_acquire():
            await count.acquire()
        try:
            recent = self.backoff_recent()
            if recent and not self._throttle.try_acquire():
                await self._throttle.acquire()
            try:
                weight = estimate_bytes * self.config.backoff_weight if recent else estimate_bytes
                if not self.bytes.try_acquire(weight):
                    await self.bytes.acquire(weight)
                self.in_flight += 1
                try:
                    while True:
                        if self.backoff_until is not None:
                            await self._wait_for_backoff()
                        accepted = await send()
                        if accepted is not None:
                            return accepted
                        self.set_backoff(estimate_bytes)
                finally:
                    self.in_flight -= 1
                    self.bytes.release(weight)
            finally:
                if recent:
                    self._throttle.release()
        finally:
            count.release()

    async def _wait_for_backoff(self) -> None:
        while self.backoff_until is not None and self._clock.monotonic() < self.backoff_until:
            await self._clock.sleep(self.config.wait_step_s)
