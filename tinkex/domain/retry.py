"""Pure retry policy: which outcomes are retried, and how long to wait before the next try.

Two layers use it (wire spec sections 2.3 and 6.1):

* the HTTP layer (`classify`): one logical request, retried on 408, 409, 429, 5xx and when no
  response arrived; the server's `x-should-retry` overrides the status, its `retry-after-ms` /
  `retry-after` is honoured when in (0, cap], otherwise exponential backoff with jitter;
* the outer layer (`classify_outer`): the whole logical call again, `min(2**attempt, cap)`
  seconds apart, within a total time budget whose last sleep is trimmed to fit.

Nothing here sleeps or reads a clock: callers pass the attempt number, the wall time and a
`random.Random`, so the tests are table-driven and deterministic.
"""

from __future__ import annotations

import email.utils
from typing import TYPE_CHECKING, Protocol

import msgspec

from tinkex.errors import APIConnectionError, APIStatusError, APITimeoutError
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

__all__ = [
    "BackoffSettings",
    "RetryDecision",
    "backoff_delay",
    "classify",
    "classify_outer",
    "is_cloudflare_reset",
    "is_retryable_status",
    "retry_after_s",
]

# Cap the exponent so `2.0 ** attempt` can never overflow, whatever max_retries says.
_MAX_EXPONENT = 1000


class RetryDecision(msgspec.Struct, frozen=True):
    """Whether to try again, after how long, and why (for logs).

    Attributes:
        retry: True to make another attempt.
        delay_s: Seconds to wait first (0 when not retrying).
        reason: Short explanation, e.g. ``status 503`` or ``retries exhausted``.
    """

    retry: bool
    delay_s: float
    reason: str


class BackoffSettings(Protocol):
    """The knobs of the HTTP-level backoff (`tinkex.flows.features.RetryConfig` has them)."""

    @property
    def base_delay_s(self) -> float:
        """First backoff delay in seconds."""
        ...

    @property
    def max_delay_s(self) -> float:
        """Cap on the exponential backoff."""
        ...

    @property
    def jitter(self) -> float:
        """Fraction of the delay randomly removed."""
        ...

    @property
    def retry_after_cap_s(self) -> float:
        """Largest server-requested delay that is honoured."""
        ...


def is_retryable_status(status: int) -> bool:
    """Return True for the statuses retried by default: 408, 409, 429 and 5xx."""
    return status in (408, 409, 429) or status >= 500


def is_cloudflare_reset(response: HttpResponse) -> bool:
    """Return True for a 400 with an empty body and `content-length: 0` (wire spec 2.4).

    That is how the edge proxy reports a connection it dropped; the official SDK treats it
    as a connection error, within a small budget, rather than as a bad request.
    """
    return (
        response.status == 400
        and not response.body
        and response.headers.get("content-length") == "0"
    )


def retry_after_s(headers: Mapping[str, str], *, now: float) -> float | None:
    """Read the server's requested delay from lower-cased response headers.

    `retry-after-ms` (milliseconds) wins over `retry-after`, which may be seconds (floats are
    accepted) or an HTTP date.

    Args:
        headers: Response headers with lower-cased names.
        now: The current Unix time, to turn an HTTP date into a delay.

    Returns:
        The delay in seconds (possibly zero or negative), or None when absent or unparsable.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return float(email.utils.mktime_tz(parsed)) - now


def backoff_delay(attempt: int, settings: BackoffSettings, rng: random.Random) -> float:
    """Return `min(base * 2**attempt, max) * (1 - jitter * U[0, 1))`, never negative.

    Args:
        attempt: Retries already taken (0 for the first retry).
        settings: Base, cap and jitter.
        rng: Source of the jitter.
    """
    exponent = min(max(attempt, 0), _MAX_EXPONENT)
    delay = min(settings.base_delay_s * 2.0**exponent, settings.max_delay_s)
    return max(delay * (1.0 - settings.jitter * rng.random()), 0.0)


def _status_verdict(status: int, headers: Mapping[str, str]) -> tuple[bool, str]:
    override = headers.get("x-should-retry")
    if override == "true":
        return True, f"status {status}, x-should-retry: true"
    if override == "false":
        return False, f"status {status}, x-should-retry: false"
    if is_retryable_status(status):
        return True, f"status {status}"
    return False, f"status {status} is not retryable"


def _verdict(outcome: HttpResponse | BaseException) -> tuple[bool, str, Mapping[str, str]]:
    if isinstance(outcome, HttpResponse):
        retry, reason = _status_verdict(outcome.status, outcome.headers)
        return retry, reason, outcome.headers
    if isinstance(outcome, APITimeoutError):
        return True, "timeout", {}
    if isinstance(outcome, APIConnectionError):
        return True, "connection error", {}
    if isinstance(outcome, APIStatusError):
        retry, reason = _status_verdict(outcome.status, {})
        return retry, reason, {}
    return False, f"{type(outcome).__name__} is not retryable", {}


def classify(
    outcome: HttpResponse | BaseException,
    *,
    attempt: int,
    max_retries: int,
    settings: BackoffSettings,
    rng: random.Random,
    now: float,
) -> RetryDecision:
    """Decide whether the HTTP layer retries after a failed attempt.

    Args:
        outcome: The non-2xx response, or the error raised when no response arrived.
        attempt: Retries already taken for this logical request (0 after the first attempt).
        max_retries: Retries allowed for this request (0 = a single attempt).
        settings: Backoff knobs.
        rng: Source of the backoff jitter.
        now: The current Unix time (for `retry-after` HTTP dates).

    Returns:
        The decision; `delay_s` is the server's `retry-after` when it is in (0, cap], else the
        jittered exponential backoff.
    """
    retry, reason, headers = _verdict(outcome)
    if not retry:
        return RetryDecision(False, 0.0, reason)
    if attempt >= max_retries:
        return RetryDecision(False, 0.0, f"{reason}; retries exhausted ({max_retries})")
    requested = retry_after_s(headers, now=now)
    if requested is not None and 0.0 < requested <= settings.retry_after_cap_s:
        return RetryDecision(True, requested, f"{reason}; retry-after {requested:g}s")
    return RetryDecision(True, backoff_delay(attempt, settings, rng), reason)


def classify_outer(
    error: BaseException,
    *,
    attempt: int,
    elapsed_s: float,
    budget_s: float = 300.0,
    max_delay_s: float = 30.0,
) -> RetryDecision:
    """Decide whether the outer layer runs the whole logical call again.

    Retryable: no response (connection errors and timeouts, including the builtin
    `TimeoutError`) and status errors 408, 409, 429 and 5xx, unless the server answered
    ``x-should-retry: false``. The delay is
    `min(2**attempt, max_delay_s)`, trimmed so the total stays within the budget.

    Args:
        error: What the logical call raised.
        attempt: Outer retries already taken (0 after the first failure).
        elapsed_s: Seconds since the first attempt started.
        budget_s: Total time allowed.
        max_delay_s: Cap on one sleep.

    Returns:
        The decision; never a retry once `elapsed_s` reaches the budget.
    """
    if isinstance(error, APIStatusError):
        if error.should_retry is False:
            return RetryDecision(False, 0.0, "the server said not to retry (x-should-retry)")
        if not is_retryable_status(error.status):
            return RetryDecision(False, 0.0, f"status {error.status} is not retryable")
        reason = f"status {error.status}"
    elif isinstance(error, APIConnectionError | TimeoutError):
        reason = type(error).__name__
    else:
        return RetryDecision(False, 0.0, f"{type(error).__name__} is not retryable")
    remaining = budget_s - elapsed_s
    if remaining <= 0.0:
        return RetryDecision(False, 0.0, f"{reason}; retry budget of {budget_s:g}s spent")
    delay = min(2.0 ** min(max(attempt, 0), _MAX_EXPONENT), max_delay_s, remaining)
    return RetryDecision(True, delay, reason)
