"""A token-bucket rate limiter on the Clock port: callers wait for a token, never fail.

Each caller reserves its token on arrival (the bucket may go negative) and then sleeps until
the bucket would have refilled to that point. Reservations are made between awaits, so
concurrent callers are served in arrival order without a lock, and a cancelled waiter gives
its token back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.flows.features import RateLimiterConfig
    from tinkex.ports.clock import Clock

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allow `burst` calls at once and `rate_per_s` calls per second sustained.

    Args:
        config: Rate and bucket size (both must be positive).
        clock: Source of time and sleeping.

    Raises:
        ValueError: The rate or burst is not positive.
    """

    def __init__(self, config: RateLimiterConfig, *, clock: Clock) -> None:
        if config.rate_per_s <= 0 or config.burst <= 0:
            raise ValueError("rate_per_s and burst must be positive")
        self._rate = config.rate_per_s
        self._burst = float(config.burst)
        self._clock = clock
        self._tokens = self._burst
        self._updated = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    @property
    def available(self) -> float:
        """Tokens in the bucket now (negative while callers are queued)."""
        self._refill()
        return self._tokens

    async def acquire(self) -> None:
        """Take one token, sleeping on the clock until it is available.

        Cancellation while waiting returns the reserved token.
        """
        self._refill()
        self._tokens -= 1.0
        if self._tokens >= 0.0:
            return
        wait_s = -self._tokens / self._rate
        try:
            await self._clock.sleep(wait_s)
        except BaseException:
            # Cancelled: free the reservation so later callers are not delayed for us.
            self._refill()
            self._tokens = min(self._burst, self._tokens + 1.0)
            raise
