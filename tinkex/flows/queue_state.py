"""Queue-state observers: a throttled logger of paused requests, and a recorder of states."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tinkex.flows.logging import configure_logging
from tinkex.ports.futures import QueueState

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock
    from tinkex.ports.futures import QueueStateObserver

__all__ = [
    "CAPACITY_REASON",
    "SAMPLING_RATE_LIMIT_REASON",
    "TRAINING_RATE_LIMIT_REASON",
    "CompositeObserver",
    "QueueStateChange",
    "QueueStateLogger",
    "QueueStateRecorder",
]

TRAINING_RATE_LIMIT_REASON = "concurrent training clients rate limit hit"
SAMPLING_RATE_LIMIT_REASON = "concurrent sampler weights limit hit"
CAPACITY_REASON = "Tinker backend is running short on capacity, please wait"

# Training requests routinely wait a while for capacity, so a pause is only worth a warning
# once it has lasted this long; sampling pauses are reported at once.
TRAINING_GRACE_S = 15 * 60.0
LOG_INTERVAL_S = 60.0


class QueueStateLogger:
    """Warn when the server says a request is paused, without flooding the log.

    Build it with `for_training` (warns only after a pause lasted 15 minutes) or
    `for_sampling` (warns at once); either way at most one warning per 60 s. ``active`` is
    never logged. Missing reasons get the official defaults.
    """

    def __init__(
        self,
        message: str,
        *,
        clock: Clock,
        rate_limit_reason: str,
        grace_s: float,
        interval_s: float = LOG_INTERVAL_S,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        """Create a logger.

        Args:
            message: Sentence start, e.g. ``"Training for run-1 is paused"``.
            clock: Time source.
            rate_limit_reason: Reason used for ``paused_rate_limit`` without one.
            grace_s: How long a pause must last before the first warning.
            interval_s: Minimum gap between warnings.
            logger: Where warnings go.
        """
        self._message = message
        self._clock = clock
        self._rate_limit_reason = rate_limit_reason
        self._grace_s = grace_s
        self._interval_s = interval_s
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._state: QueueState | None = None
        self._state_since = 0.0
        self._last_logged: float | None = None

    @classmethod
    def for_training(
        cls,
        identifier: str,
        *,
        clock: Clock,
        prefix: str = "Training",
        logger: FilteringBoundLogger | None = None,
    ) -> QueueStateLogger:
        """Logger for training-side futures (model creation, forward_backward...).

        Args:
            identifier: What is queued (model id or base model).
            clock: Time source.
            prefix: What is paused, e.g. ``"Model creation"``.
            logger: Where warnings go.
        """
        return cls(
            f"{prefix} for {identifier} is paused",
            clock=clock,
            rate_limit_reason=TRAINING_RATE_LIMIT_REASON,
            grace_s=TRAINING_GRACE_S,
            logger=logger,
        )

    @classmethod
    def for_sampling(
        cls, sampler_id: str, *, clock: Clock, logger: FilteringBoundLogger | None = None
    ) -> QueueStateLogger:
        """Logger for sampling futures: warns on the first paused report."""
        return cls(
            f"Sampling is paused for sampler {sampler_id}",
            clock=clock,
            rate_limit_reason=SAMPLING_RATE_LIMIT_REASON,
            grace_s=0.0,
            logger=logger,
        )

    def on_queue_state_change(
        self, queue_state: QueueState, queue_state_reason: str | None, /
    ) -> None:
        """Record the state and warn if the pause is old enough and we have not just warned."""
        now = self._clock.monotonic()
        if queue_state != self._state:
            self._state = queue_state
            self._state_since = now
        if queue_state == QueueState.ACTIVE or now - self._state_since < self._grace_s:
            return
        if self._last_logged is not None and now - self._last_logged < self._interval_s:
            return
        self._last_logged = now
        reason = queue_state_reason or self._reason(queue_state)
        self._log.warning(
            "queue.paused",
            state=queue_state.value,
            reason=reason,
            detail=f"{self._message}. Reason: {reason}.",
        )

    def _reason(self, state: QueueState) -> str:
        if state == QueueState.PAUSED_RATE_LIMIT:
            return self._rate_limit_reason
        if state == QueueState.PAUSED_CAPACITY:
            return CAPACITY_REASON
        return "unknown"


class QueueStateChange(msgspec.Struct, frozen=True, kw_only=True):
    """One report seen by a `QueueStateRecorder`."""

    at: float
    state: QueueState
    reason: str | None


class QueueStateRecorder:
    """Keep every queue-state report, in order, with its (Clock) time."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self.history: list[QueueStateChange] = []

    @property
    def states(self) -> list[QueueState]:
        """The reported states, in order."""
        return [c.state for c in self.history]

    @property
    def last(self) -> QueueStateChange | None:
        """The latest report, if any."""
        return self.history[-1] if self.history else None

    def on_queue_state_change(
        self, queue_state: QueueState, queue_state_reason: str | None, /
    ) -> None:
        """Append the report."""
        at = self._clock.monotonic() if self._clock is not None else 0.0
        self.history.append(QueueStateChange(at=at, state=queue_state, reason=queue_state_reason))


class CompositeObserver:
    """Forward each report to several observers (e.g. the logger and a user's callback)."""

    def __init__(
        self, *observers: QueueStateObserver, logger: FilteringBoundLogger | None = None
    ) -> None:
        self._observers = observers
        self._log: FilteringBoundLogger = logger or configure_logging()

    def on_queue_state_change(
        self, queue_state: QueueState, queue_state_reason: str | None, /
    ) -> None:
        """Tell every observer; one that raises is logged and skipped."""
        for observer in self._observers:
            try:
                observer.on_queue_state_change(queue_state, queue_state_reason)
            except Exception:  # noqa: BLE001 - one broken observer must not silence the rest
                self._log.exception("queue.observer_failed", observer=repr(observer))
