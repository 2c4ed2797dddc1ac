"""Pure retry policy: which outcomes are retried, and how long to wait before the next try.

Two layers use it (HTTP attempts, and the outer retry of whole calls), each with its own
`RetryRules` (which
statuses, whether 5xx and lost connections count, whether the server's ``x-should-retry`` is
obeyed) and its own `Backoff`, both read from the manifest's feature blocks:

* the HTTP layer (`classify`): one logical request, retried up to the endpoint's count;
  a ``retry-after-ms`` / ``retry-after`` the backoff honours is waited exactly, otherwise the
  jittered exponential backoff of the current streak;
* the outer layer (`classify_outer`): the whole logical call again, within a total time
  budget whose last sleep is trimmed to fit.

Nothing here sleeps or reads a clock: callers pass the attempt, the streak, the wall time and
a jitter source, so the tests are table-driven and deterministic.
"""

from __future__ import annotations

import email.utils
from typing import TYPE_CHECKING, Protocol

import msgspec

from tinkex.errors import APIConnectionError, APIStatusError, APITimeoutError
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.domain.backoff import Backoff, JitterSource

__all__ = [
    "RetryDecision",
    "RetryRules",
    "RetrySettings",
    "classify",
    "classify_outer",
    "is_cloudflare_reset",
    "parse_should_retry",
    "retry_after_s",
]


class RetryDecision(msgspec.Struct, frozen=True):
    """Whether to try again, after how long, and why (for logs).

    Attributes:
        retry: True to make another attempt.
        delay_s: Seconds to wait first (0 when not retrying).
        reason: Short explanation, e.g. ``status 503`` or ``retries exhausted``.
        requested: True when `delay_s` is the server's ``retry-after`` (the caller's backoff
            streak then does not grow).
    """

    retry: bool
    delay_s: float
    reason: str
    requested: bool = False


class RetryRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which failures a retry layer tries again (a manifest ``retry_status`` block).

    Attributes:
        statuses: HTTP statuses retried (besides 5xx when `server_errors`).
        server_errors: Retry every status >= 500.
        connection_errors: Retry when no response arrived (connection errors, timeouts).
        honor_should_retry: Obey the server's ``x-should-retry: true|false`` over the status.
    """

    statuses: frozenset[int] = frozenset({408, 409, 429})
    server_errors: bool = True
    connection_errors: bool = True
    honor_should_retry: bool = True

    def status_verdict(self, status: int, should_retry: bool | None) -> tuple[bool, str]:
        """Whether `status` is retried, given the server's ``x-should-retry`` answer.

        Returns:
            ``(retry, reason)``.
        """
        if self.honor_should_retry and should_retry is not None:
            return should_retry, f"status {status}, x-should-retry: {str(should_retry).lower()}"
        if status in self.statuses or (self.server_errors and status >= 500):
            return True, f"status {status}"
        return False, f"status {status} is not retryable"


class RetrySettings(Protocol):
    """What `classify` needs of a layer's settings (`tinkex.flows.features.RetryConfig`)."""

    @property
    def rules(self) -> RetryRules:
        """Which failures are retried."""
        ...

    @property
    def backoff(self) -> Backoff:
        """The delay between attempts, and the longest ``retry-after`` honoured."""
        ...


def parse_should_retry(value: str | None) -> bool | None:
    """Read an ``x-should-retry`` header: True, False, or None when absent or unrecognised."""
    if value is None:
        return None
    lowered = value.strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


def is_cloudflare_reset(response: HttpResponse) -> bool:
    """Return True for a 400 with an empty body and `content-length: 0`.

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


def _verdict(
    outcome: HttpResponse | BaseException, rules: RetryRules
) -> tuple[bool, str, Mapping[str, str]]:
    if isinstance(outcome, HttpResponse):
        should_retry = parse_should_retry(outcome.headers.get("x-should-retry"))
        retry, reason = rules.status_verdict(outcome.status, should_retry)
        return retry, reason, outcome.headers
    if isinstance(outcome, APIStatusError):
        retry, reason = rules.status_verdict(outcome.status, outcome.should_retry)
        return retry, reason, {}
    if isinstance(outcome, APIConnectionError):
        reason = "timeout" if isinstance(outcome, APITimeoutError) else "connection error"
        if not rules.connection_errors:
            return False, f"{reason} (not retried: retry_connection_errors is off)", {}
        return True, reason, {}
    return False, f"{type(outcome).__name__} is not retryable", {}


def classify(
    outcome: HttpResponse | BaseException,
    *,
    attempt: int,
    streak: int,
    max_retries: int,
    settings: RetrySettings,
    jitter: JitterSource | None,
    now: float,
) -> RetryDecision:
    """Decide whether the HTTP layer retries after a failed attempt.

    Args:
        outcome: The non-2xx response, or the error raised when no response arrived.
        attempt: Retries already taken for this logical request (0 after the first attempt).
        streak: Of those, the retries whose delay came from the backoff (not the server).
        max_retries: Retries allowed for this request (0 = a single attempt).
        settings: The layer's rules and backoff.
        jitter: Source of the backoff jitter.
        now: The current Unix time (for `retry-after` HTTP dates).

    Returns:
        The decision; `delay_s` is the server's `retry-after` when the backoff honours it
        (``requested`` is then True), else the backoff's delay for `streak`.
    """
    retry, reason, headers = _verdict(outcome, settings.rules)
    if not retry:
        return RetryDecision(False, 0.0, reason)
    if attempt >= max_retries:
        return RetryDecision(False, 0.0, f"{reason}; retries exhausted ({max_retries})")
    wait = settings.backoff.wait(streak, jitter, requested_s=retry_after_s(headers, now=now))
    if wait.requested:
        return RetryDecision(True, wait.delay_s, f"{reason}; retry-after {wait.delay_s:g}s", True)
    return RetryDecision(True, wait.delay_s, reason)


def classify_outer(
    error: BaseException,
    *,
    streak: int,
    elapsed_s: float,
    budget_s: float,
    backoff: Backoff,
    rules: RetryRules,
    requested_s: float | None = None,
    jitter: JitterSource | None = None,
) -> RetryDecision:
    """Decide whether the outer layer runs the whole logical call again.

    Retryable: no response (connection errors and timeouts, including the builtin
    `TimeoutError`, when the rules say so) and the status errors the rules retry. The delay
    is the server's ``retry-after`` when the backoff honours it, else the backoff's delay for
    `streak`; either is trimmed so the total stays within the budget.

    Args:
        error: What the logical call raised.
        streak: Outer retries already taken whose delay came from the backoff.
        elapsed_s: Seconds since the first attempt started.
        budget_s: Total time allowed.
        backoff: The delay between repetitions.
        rules: Which failures are retried.
        requested_s: The ``retry-after`` of the response behind `error`, if any.
        jitter: Source of the backoff jitter.

    Returns:
        The decision; never a retry once `elapsed_s` reaches the budget.
    """
    if isinstance(error, APIStatusError):
        retry, reason = rules.status_verdict(error.status, error.should_retry)
        if not retry:
            return RetryDecision(False, 0.0, reason)
    elif isinstance(error, APIConnectionError | TimeoutError):
        reason = type(error).__name__
        if not rules.connection_errors:
            return RetryDecision(False, 0.0, f"{reason} (connection errors are not retried)")
    else:
        return RetryDecision(False, 0.0, f"{type(error).__name__} is not retryable")
    remaining = budget_s - elapsed_s
    if remaining <= 0.0:
        return RetryDecision(False, 0.0, f"{reason}; retry budget of {budget_s:g}s spent")
    wait = backoff.wait(streak, jitter, requested_s=requested_s)
    return RetryDecision(True, min(wait.delay_s, remaining), reason, wait.requested)
