"""Configuration Structs of the request-pipeline features.

The composition root builds these from the manifest's feature blocks; unknown keys are
rejected so a typo in the manifest fails loudly instead of silently using a default.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "OUTER_RETRY_FEATURE",
    "BillingPauseConfig",
    "CircuitBreakerConfig",
    "OuterRetryConfig",
    "RateLimiterConfig",
    "RetryConfig",
]

OUTER_RETRY_FEATURE = "retry_outer"
"""Manifest feature name that puts an endpoint under the outer retry layer."""


class RetryConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """HTTP-level retries of one logical call (the Stainless layer).

    Attributes:
        max_retries: Client-wide cap on HTTP-level retries; an endpoint gets the smaller of
            this and its own `max_retries` (0 = one attempt).
        base_delay_s: First backoff delay; doubles per retry.
        max_delay_s: Cap on the exponential backoff.
        jitter: Fraction of the delay that is randomly removed (0.25 = 75-100 % of it).
        retry_after_cap_s: A server `retry-after` is honoured only when in (0, cap].
    """

    max_retries: int = 10
    base_delay_s: float = 0.5
    max_delay_s: float = 10.0
    jitter: float = 0.25
    retry_after_cap_s: float = 60.0


class OuterRetryConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The outer retry layer wrapped around a whole logical call (wire spec section 6.1).

    Attributes:
        enabled: False turns the outer backoff off (the billing pause may still apply).
        budget_s: Total time allowed for retries, measured from the first attempt.
        max_delay_s: Cap on the `2**attempt` backoff.
    """

    enabled: bool = True
    budget_s: float = 300.0
    max_delay_s: float = 30.0


class BillingPauseConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How long to wait out HTTP 402 (billing) before giving up (wire spec section 6.2).

    Attributes:
        max_pause_s: Length of one billing incident after which 402 is raised.
        sleep_s: Pause between retries while inside the incident.
        reset_after_s: An incident ends when no 402 was seen for this long.
    """

    max_pause_s: float = 3600.0
    sleep_s: float = 5.0
    reset_after_s: float = 300.0


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
