"""The outer retry layer: repeat a whole logical call, waiting out 402s (the billing pause).

It wraps the HTTP layer for endpoints whose manifest entry lists ``retry_outer``. Each
repetition runs the logical call from scratch, so it carries a new idempotency key (unless the
caller supplied one). The delay is the block's `Backoff` (1 s doubling to 30 s by default)
within its time budget, or the server's ``retry-after`` when the backoff honours it (that
repetition then does not grow the backoff); billing pauses sleep without counting an attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from tinkex.domain.retry import classify_outer
from tinkex.errors import APIStatusError, TinkexError
from tinkex.flows.observability import note_retry
from tinkex.flows.retrying import requested_delay_s

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.domain.backoff import JitterSource
    from tinkex.flows.billing import BillingPause
    from tinkex.flows.features import OuterRetryConfig
    from tinkex.ports.clock import Clock

__all__ = ["run_outer"]

T = TypeVar("T")


async def run_outer(
    call: Callable[[], Awaitable[T]],
    *,
    endpoint: str,
    clock: Clock,
    outer: OuterRetryConfig | None,
    billing: BillingPause | None,
    logger: FilteringBoundLogger,
    jitter: JitterSource | None = None,
    started: float | None = None,
) -> T:
    """Run a logical call, repeating it per the outer policy and the billing pause.

    Each repetition calls `call` again, so it gets a new idempotency key. Time spent in
    billing pauses does not count against the retry budget (the server asked for the wait).

    Args:
        call: Makes one logical call.
        endpoint: The endpoint name, for logs.
        clock: Time and sleeping.
        outer: The outer backoff, or None (or disabled) for no backoff retries.
        billing: The shared billing-pause tracker, or None to raise 402 at once.
        logger: Receives `http.outer_retry` events.
        jitter: Source of the backoff jitter (None: the delays are exact).
        started: When the logical call began, on `clock` (None: now); a caller that made
            the first attempt itself passes its start so the budget counts it.

    Returns:
        What `call` returned.
    """
    if started is None:
        started = clock.monotonic()
    paused = 0.0
    attempt = 0
    streak = 0  # repetitions whose delay came from the backoff rather than the server
    while True:
        try:
            return await call()
        except (TinkexError, TimeoutError) as exc:
            if (
                billing is not None
                and isinstance(exc, APIStatusError)
                and billing.should_pause(exc.status, endpoint=endpoint)
            ):
                before = clock.monotonic()
                await clock.sleep(billing.config.sleep_s)
                paused += clock.monotonic() - before
                continue
            if outer is None or not outer.enabled:
                raise
            decision = classify_outer(
                exc,
                streak=streak,
                elapsed_s=clock.monotonic() - started - paused,
                budget_s=outer.budget_s,
                backoff=outer.backoff,
                rules=outer.rules,
                requested_s=requested_delay_s(exc),
                jitter=jitter,
            )
            if not decision.retry:
                raise
            logger.info(
                "http.outer_retry",
                endpoint=endpoint,
                attempt=attempt,
                delay_s=round(decision.delay_s, 3),
                reason=decision.reason,
            )
            note_retry(
                "outer",
                decision.reason,
                attempt=attempt,
                delay_s=decision.delay_s,
                endpoint=endpoint,
            )
            await clock.sleep(decision.delay_s)
            attempt += 1
            if not decision.requested:
                streak += 1
