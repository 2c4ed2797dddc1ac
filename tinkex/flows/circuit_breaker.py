"""A per-endpoint circuit breaker on the Clock port.

Closed: calls pass; `failure_threshold` consecutive failures (5xx or no response) open it.
Open: calls are rejected at once with `CircuitOpenError` until `reset_timeout_s` has passed,
after which the breaker is half-open (evaluated lazily when the next call arrives).
Half-open: at most `half_open_max_calls` trial calls run at once (the rest are rejected); a
trial success closes the circuit, a trial failure opens it again for another timeout.

All state changes happen between awaits, so concurrent asyncio callers cannot interleave a
check with its update.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tinkex.errors import TinkexError

if TYPE_CHECKING:
    from tinkex.flows.features import CircuitBreakerConfig
    from tinkex.ports.clock import Clock

__all__ = ["CircuitBreaker", "CircuitOpenError", "CircuitState"]


class CircuitState(StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(TinkexError):
    """The endpoint's circuit is open, so the call was not sent.

    Attributes:
        name: The breaker's (endpoint's) name.
        retry_after_s: Seconds until trial calls are admitted again (0 when half-open and
            every trial slot is taken).
    """

    def __init__(self, name: str, *, retry_after_s: float) -> None:
        super().__init__(f"circuit {name!r} is open; retry in {retry_after_s:.1f}s")
        self.name = name
        self.retry_after_s = retry_after_s


class CircuitBreaker:
    """Count consecutive failures of one endpoint and fail fast while they persist.

    Args:
        name: What the breaker guards (used in errors and logs).
        config: Threshold, open duration and trial-call limit.
        clock: Source of monotonic time.
    """

    def __init__(self, name: str, config: CircuitBreakerConfig, *, clock: Clock) -> None:
        self.name = name
        self._config = config
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trials = 0

    @property
    def state(self) -> CircuitState:
        """The current state (an open breaker past its timeout reports half-open)."""
        if (
            self._state is CircuitState.OPEN
            and self._clock.monotonic() - self._opened_at >= self._config.reset_timeout_s
        ):
            self._state = CircuitState.HALF_OPEN
            self._trials = 0
        return self._state

    def acquire(self) -> bool:
        """Admit one call or reject it.

        Every admitted call must be followed by exactly one `release`, passing back the
        returned flag.

        Returns:
            True when the call is a half-open trial, False when the circuit is closed.

        Raises:
            CircuitOpenError: The circuit is open, or half-open with every trial slot taken.
        """
        state = self.state
        if state is CircuitState.OPEN:
            remaining = self._opened_at + self._config.reset_timeout_s - self._clock.monotonic()
            raise CircuitOpenError(self.name, retry_after_s=max(remaining, 0.0))
        if state is CircuitState.HALF_OPEN:
            if self._trials >= self._config.half_open_max_calls:
                raise CircuitOpenError(self.name, retry_after_s=0.0)
            self._trials += 1
            return True
        return False

    def release(self, success: bool | None, *, trial: bool) -> None:
        """Report how an admitted call went.

        Args:
            success: True when the service answered (anything but 5xx), False on 5xx or no
                response, None when the call was abandoned (cancelled) without an outcome.
            trial: The flag `acquire` returned for this call.
        """
        if trial and self._state is CircuitState.HALF_OPEN:
            self._trials = max(self._trials - 1, 0)
        if success is None:
            return
        if success:
            self._failures = 0
            self._state = CircuitState.CLOSED
            return
        self._failures += 1
        if (
            self._state is CircuitState.HALF_OPEN
            or self._failures >= self._config.failure_threshold
        ):
            self._state = CircuitState.OPEN
            self._opened_at = self._clock.monotonic()
            self._trials = 0

    def reset(self) -> None:
        """Close the circuit and forget past failures."""
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._trials = 0
