"""`Backoff`: the one delay formula every retry loop of tinkex uses.

A loop counts its *streak*: consecutive failures it answered with its own backoff. The delay
after streak ``n`` (0 for the first) is ``min(base_s * 2**n, max_s)`` with up to `jitter` of it
randomly removed, so a delay never exceeds `max_s` and never drops below
``(1 - jitter) * nominal``. A constant wait is a backoff whose `max_s` equals its `base_s`.

Two rules make throughput come back once the server does:

* the server's own ``retry-after`` wins: a requested delay in ``(0, retry_after_max_s]`` is
  waited exactly, and it does not extend the streak, so an honoured hint never compounds
  with exponential growth (`Backoff.wait`);
* a loop resets its streak to 0 whenever the server answers normally again, so the next
  failure waits `base_s`, not the largest delay seen so far.

Nothing here sleeps or reads a clock: callers pass the streak, a jitter source and the
server's hint, and get a delay back, so the formula is table-tested.
"""

from __future__ import annotations

import math
from typing import Protocol

import msgspec

__all__ = ["Backoff", "JitterSource", "Wait"]

# Cap the exponent so `2.0 ** n` can never overflow, whatever the streak is.
_MAX_EXPONENT = 1000


class JitterSource(Protocol):
    """Where jitter comes from (`random.Random` is one; tests pass a fixed value)."""

    def random(self) -> float:
        """A number in ``[0, 1)``."""
        ...


class Wait(msgspec.Struct, frozen=True, gc=False):
    """How long to wait before the next attempt, and whether the server chose it.

    Attributes:
        delay_s: Seconds to wait.
        requested: True when `delay_s` is the server's ``retry-after``; the caller's streak
            then stays as it is.
    """

    delay_s: float
    requested: bool


class Backoff(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Capped exponential backoff with downward jitter and honoured server hints.

    Attributes:
        base_s: Delay after the first failure of a streak.
        max_s: Largest delay (the doubling stops there); equal to `base_s` for a constant wait.
        jitter: Fraction of each delay randomly removed (0.25: the delay lies in
            ``(75 %, 100 %]`` of its nominal value; 0: no randomness).
        retry_after_max_s: Largest server ``retry-after`` that is honoured; a longer (or
            non-positive) one is ignored and the backoff applies.

    Raises:
        ValueError: A negative or non-finite duration, `max_s` below `base_s`, or a jitter
            outside ``[0, 1]``.
    """

    base_s: float
    max_s: float
    jitter: float = 0.0
    retry_after_max_s: float = 60.0

    def __post_init__(self) -> None:
        for name in ("base_s", "max_s", "retry_after_max_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"backoff {name} must be finite and >= 0, got {value!r}")
        if self.max_s < self.base_s:
            raise ValueError(f"backoff max_s ({self.max_s}) is below base_s ({self.base_s})")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"backoff jitter must be within [0, 1], got {self.jitter!r}")

    @classmethod
    def constant(cls, seconds: float) -> Backoff:
        """A backoff that always waits `seconds` (no growth, no jitter)."""
        return cls(base_s=seconds, max_s=seconds)

    def delay(self, streak: int, jitter: JitterSource | None = None) -> float:
        """The delay after failure number `streak` of a streak (0-based).

        Args:
            streak: Consecutive failures already answered with this backoff (0 first).
            jitter: Source of the random fraction; None (or `jitter` 0) means none.

        Returns:
            ``min(base_s * 2**streak, max_s) * (1 - jitter * U[0, 1))``, never negative.
        """
        exponent = min(max(streak, 0), _MAX_EXPONENT)
        nominal = min(self.base_s * 2.0**exponent, self.max_s)
        if jitter is None or self.jitter == 0.0:
            return nominal
        return max(nominal * (1.0 - self.jitter * jitter.random()), 0.0)

    def honoured(self, requested_s: float | None) -> float | None:
        """The server's requested delay when it is honoured (in ``(0, retry_after_max_s]``)."""
        if requested_s is not None and 0.0 < requested_s <= self.retry_after_max_s:
            return requested_s
        return None

    def wait(
        self, streak: int, jitter: JitterSource | None = None, *, requested_s: float | None = None
    ) -> Wait:
        """The next wait: the server's hint when honoured, else `delay(streak)`.

        Args:
            streak: Consecutive failures already answered with this backoff.
            jitter: Source of the random fraction.
            requested_s: The server's ``retry-after`` in seconds, if it sent one.

        Returns:
            The wait; when ``requested`` is False the caller adds one to its streak.
        """
        hint = self.honoured(requested_s)
        if hint is not None:
            return Wait(hint, True)
        return Wait(self.delay(streak, jitter), False)
