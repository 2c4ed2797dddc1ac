"""Configuration Structs of the request-pipeline features.

The composition root builds these from the manifest's feature blocks; unknown keys are
rejected so a typo in the manifest fails loudly instead of silently using a default. Every
delay is a `tinkex.domain.backoff.Backoff` and every "what is retried" a
`tinkex.domain.retry.RetryRules`, whichever loop uses it.
"""

from __future__ import annotations

import msgspec

from tinkex.domain.backoff import Backoff
from tinkex.domain.retry import RetryRules
from tinkex.flows.idempotency import IDEMPOTENCY_HEADER, IDEMPOTENCY_PREFIX

__all__ = [
    "OUTER_RETRY_FEATURE",
    "RETRY_COUNT_HEADER",
    "BillingPauseConfig",
    "CircuitBreakerConfig",
    "OuterRetryConfig",
    "RateLimiterConfig",
    "RetryConfig",
]

OUTER_RETRY_FEATURE = "retry_outer"
"""Manifest feature name that puts an endpoint under the outer retry layer."""

RETRY_COUNT_HEADER = "x-stainless-retry-count"
"""Header that tells the server which attempt of a logical request this is."""


class RetryConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """HTTP-level retries of one logical call (the Stainless layer; a ``retry_policy`` block).

    Attributes:
        max_retries: Client-wide cap on HTTP-level retries; an endpoint gets the smaller of
            this and its own `max_retries` (0 = one attempt).
        rules: Which statuses and failures are retried, and whether ``x-should-retry`` counts.
        backoff: Delay between attempts (0.5 s doubling to 10 s, up to 25 % removed) and the
            longest ``retry-after`` honoured (60 s).
        idempotency_header: Header carrying the key shared by the attempts of one call.
        idempotency_prefix: Prefix of the keys tinkex makes up.
        retry_count_header: Header carrying the attempt number (0 on the first).
    """

    max_retries: int = 10
    rules: RetryRules = RetryRules()
    backoff: Backoff = Backoff(base_s=0.5, max_s=10.0, jitter=0.25, retry_after_max_s=60.0)
    idempotency_header: str = IDEMPOTENCY_HEADER
    idempotency_prefix: str = IDEMPOTENCY_PREFIX
    retry_count_header: str = RETRY_COUNT_HEADER


class OuterRetryConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The outer retry layer wrapped around a whole logical call (see `tinkex.flows.outer_retry`).

    Attributes:
        enabled: False turns the outer backoff off (the billing pause may still apply).
        budget_s: Total time allowed for retries, measured from the first attempt.
        rules: Which failures re-run the call.
        backoff: Delay between repetitions (1 s doubling to 30 s).
    """

    enabled: bool = True
    budget_s: float = 300.0
    rules: RetryRules = RetryRules()
    backoff: Backoff = Backoff(base_s=1.0, max_s=30.0)


class BillingPauseConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How long to wait out HTTP 402 (billing) before giving up (see `tinkex.flows.billing`).

    Attributes:
        max_pause_s: Length of one billing incident after which 402 is raised.
        sleep_s: Pause between retries while inside the incident.
        reset_after_s: An incident ends when no 402 was seen for this long.
        warn_every_s: Least time between two "paused due to billing" warnings.
    """

    max_pause_s: float = 3600.0
    sleep_s: float = 5.0
    reset_after_s: float = 300.0
    warn_every_s: float = 60.0


class CircuitBreakerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A per-endpoint circuit breaker.

    Attributes:
        failure_threshold: Consecutive failures (5xx or no response) that open the circuit.
        reset_timeout_s: Time the circuit stays open before letting trial calls through.
        half_open_max_calls: Trial calls admitted at once while half-open.
    """

    failure_threshold: int = 5
    reset_timeout_s: float = 30.0
    half_open_max_calls: int = 1


class RateLimiterConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A per-endpoint token bucket.

    Attributes:
        rate_per_s: Tokens added per second.
        burst: Bucket size: how many calls may go out at once after a quiet period.
    """

    rate_per_s: float
    burst: int
