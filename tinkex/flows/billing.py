"""The billing pause: wait out HTTP 402 for a while instead of failing.

The first 402 starts an incident. While the incident is younger than `max_pause_s` the outer
retry layer (and the future poller) sleeps `sleep_s` and tries again without counting an
attempt; a warning is logged at most every `warn_every_s`. Past the window the 402 is raised.
An incident is forgotten once no 402 has been seen for `reset_after_s`. One tracker is shared
by everything a ServiceClient runs (its pipelines, its future poller, every client it made),
as the billing state belongs to the account, not to a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from tinkex.flows.features import BillingPauseConfig
    from tinkex.ports.clock import Clock

__all__ = ["BillingPause"]


class BillingPause:
    """Track billing incidents and decide whether a 402 should be waited out.

    Args:
        config: Window, sleep, reset and warning durations.
        clock: Source of monotonic time.
        logger: Where the pause warnings and the final error go.
    """

    def __init__(
        self, config: BillingPauseConfig, *, clock: Clock, logger: FilteringBoundLogger
    ) -> None:
        self.config = config
        self._clock = clock
        self._logger = logger
        self._first_at: float | None = None
        self._last_seen_at: float | None = None
        self._last_warned_at: float | None = None

    def should_pause(self, status: int, *, endpoint: str) -> bool:
        """Return True when a response with `status` should be slept on and retried.

        Args:
            status: The HTTP status of the failure.
            endpoint: The endpoint name, for the log events.
        """
        if status != 402:
            return False
        now = self._clock.monotonic()
        if self._last_seen_at is not None and now - self._last_seen_at > self.config.reset_after_s:
            self._first_at = None
            self._last_warned_at = None
        self._last_seen_at = now
        if self._first_at is None:
            self._first_at = now
        paused_for = now - self._first_at
        if paused_for > self.config.max_pause_s:
            self._logger.error(
                "billing.pause_exceeded", endpoint=endpoint, paused_s=round(paused_for, 1)
            )
            return False
        last_warned = self._last_warned_at
        if last_warned is None or now - last_warned > self.config.warn_every_s:
            self._last_warned_at = now
            self._logger.warning(
                "billing.paused",
                endpoint=endpoint,
                paused_s=round(paused_for, 1),
                detail="The job is paused due to billing status; retrying.",
            )
        return True
