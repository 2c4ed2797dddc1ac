"""Sampling dispatch limits and 429 backpressure.

Every `sample` attempt passes through one `SamplingDispatcher` per holder: a count semaphore
(400) and a byte budget (10 MiB) in which prompts weigh x20 while a backoff is recent. A 429
on submission is not an error: the caller's `send` returns None, the dispatcher sets a
holder-wide backoff (a `Backoff`: 1 s for prompts up to 128 KiB, 5 s above) and re-sends once
it has passed. The limits are released as soon as the server accepts the request, before its
future is polled.

Unlike the official SDK, the holder-wide backoff does not serialise the holder:

* submissions released by the same deadline form a *wave*; the first 429 of a wave starts the
  next backoff, and its wave-mates' 429s only make sure it lasts until their own delay, so a
  wave is never held back more than once;
* while a backoff is recent only 10 submissions are *on the wire* at once (the throttle is
  taken around each send, not across the wait for the deadline, so waiting requests do not
  hold its slots);
* the deadline is slept to exactly, not in 1 s steps, and the backoff streak (which grows only
  when consecutive waves are all refused) starts over at the first accepted submission.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypeVar

import msgspec

from tinkex.domain.backoff import Backoff
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
        throttled_concurrent: Submissions on the wire at once while a backoff is recent.
        bytes_budget: Byte budget for prompts being submitted (server flag
            ``sample_dispatch_bytes_semaphore_size``).
        backoff_weight: Multiplier on a prompt's bytes while a backoff is recent.
        small_request_bytes: Prompts up to this size use `small_backoff`, larger ones
            `large_backoff`.
        small_backoff: Holder-wide backoff after a 429 on a small prompt.
        large_backoff: Holder-wide backoff after a 429 on a large prompt.
        recent_window_s: A backoff counts as recent until this long after its deadline.
    """

    max_concurrent: int = 400
    throttled_concurrent: int = 10
    bytes_budget: int = 10 * 1024 * 1024
    backoff_weight: int = 20
    small_request_bytes: int = 128 * 1024
    small_backoff: Backoff = Backoff(base_s=1.0, max_s=1.0)
    large_backoff: Backoff = Backoff(base_s=5.0, max_s=5.0)
    recent_window_s: float = 10.0


class SamplingDispatcher:
    """Admit sample submissions under the holder-wide limits and ride out 429s.

    Attributes:
        bytes: The prompt byte budget.
        backoff_until: Monotonic deadline of the current backoff, if any was ever set.
        backoffs: How many 429s were absorbed.
        waves: How many backoffs were started (at most one per wave of submissions).
        in_flight: Submissions admitted and not yet accepted by the server.
        sending: Submissions on the wire right now.
    """

    def __init__(
        self,
        config: BackpressureConfig | None = None,
        *,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or BackpressureConfig()
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._count = CountSemaphore(self.config.max_concurrent)
        self._throttle = CountSemaphore(self.config.throttled_concurrent)
        self.bytes = BytesSemaphore(self.config.bytes_budget)
        self.backoff_until: float | None = None
        self.backoffs = 0
        self.waves = 0
        self.in_flight = 0
        self.sending = 0
        self._epoch = 0  # bumped by each new backoff; a wave is the epoch it was released in
        self._streak = 0  # backoffs started since the server last accepted a submission

    def backoff_recent(self) -> bool:
        """True before the backoff deadline and for `recent_window_s` after it."""
        if self.backoff_until is None:
            return False
        return self._clock.monotonic() - self.backoff_until < self.config.recent_window_s

    def set_backoff(self, estimate_bytes: int) -> float:
        """Start a new holder-wide backoff (as the first 429 of a wave does); returns its length."""
        self._epoch += 1
        self.waves += 1
        self._streak += 1
        return self._extend(estimate_bytes)

    def _extend(self, estimate_bytes: int) -> float:
        cfg = self.config
        backoff = (
            cfg.small_backoff if estimate_bytes <= cfg.small_request_bytes else cfg.large_backoff
        )
        duration = backoff.delay(self._streak - 1, self._rng)
        until = self._clock.monotonic() + duration
        if self.backoff_until is None or until > self.backoff_until:
            self.backoff_until = until
        return duration

    async def dispatch(self, estimate_bytes: int, send: Callable[[], Awaitable[T | None]]) -> T:
        """Submit under the limits, re-sending after each 429 until the server accepts.

        Args:
            estimate_bytes: The prompt's estimated size in bytes (what the byte budget weighs).
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
            weight = estimate_bytes
            if self.backoff_recent():
                weight *= self.config.backoff_weight
            if not self.bytes.try_acquire(weight):
                await self.bytes.acquire(weight)
            self.in_flight += 1
            try:
                while True:
                    wave = self._epoch
                    if self.backoff_until is not None:
                        wave = await self._wait_for_backoff()
                    # The throttle is taken around the send itself (in this frame: every
                    # wake-up of the submission passes through each frame above it).
                    throttled = self.backoff_recent()
                    if throttled and not self._throttle.try_acquire():
                        await self._throttle.acquire()
                    self.sending += 1
                    try:
                        accepted = await send()
                    finally:
                        self.sending -= 1
                        if throttled:
                            self._throttle.release()
                    if accepted is not None:
                        self._streak = 0
                        return accepted
                    self.backoffs += 1
                    if wave == self._epoch:
                        self.set_backoff(estimate_bytes)
                    else:
                        # A wave-mate's 429 already started the backoff; only make sure it
                        # lasts as long as this request's own delay.
                        self._extend(estimate_bytes)
            finally:
                self.in_flight -= 1
                self.bytes.release(weight)
        finally:
            count.release()

    async def _wait_for_backoff(self) -> int:
        # The deadline may move while we sleep (another 429); sleep again until it holds.
        # Returns the epoch of the backoff that released us: our wave.
        while self.backoff_until is not None:
            remaining = self.backoff_until - self._clock.monotonic()
            if remaining <= 0:
                break
            await self._clock.sleep(remaining)
        return self._epoch
