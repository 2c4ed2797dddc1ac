"""Typed settings of the manifest's reusable feature blocks, one Struct per block `type`.

The `type` key of a block selects its Struct (a msgspec tagged union), so each block's
settings are validated against its own schema and unknown settings are rejected. Every
``backoff`` is the domain's `tinkex.domain.backoff.Backoff` itself (``base_s``, ``max_s``,
``jitter``, ``retry_after_max_s``), so the manifest and the retry loops share one vocabulary.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from tinkex.domain.backoff import Backoff

__all__ = [
    "Backoff",
    "BatchFuturesFeature",
    "BillingPause",
    "CircuitBreakerFeature",
    "Feature",
    "FuturesFeature",
    "HeartbeatFeature",
    "OuterRetryFeature",
    "RateLimiterFeature",
    "RedirectFeature",
    "RetryHandlerFeature",
    "RetryPolicyFeature",
    "SamplingBackpressureFeature",
    "TelemetryFeature",
]


class _Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every settings Struct: frozen, keyword-only, unknown keys rejected."""


class _Block(_Settings, frozen=True, kw_only=True, tag_field="type"):
    """Base of every feature block; `enabled` is common to all (comments document a block)."""

    enabled: bool = True


class RetryPolicyFeature(_Block, frozen=True, kw_only=True, tag="retry_policy"):
    """HTTP-level retries of one request. Per-endpoint counts live on endpoints.

    Attributes:
        retry_status: Statuses retried (5xx are governed by `retry_server_errors`).
        retry_server_errors: Retry every status >= 500.
        retry_connection_errors: Retry when no response arrived (lost connection, timeout).
        backoff: Delay between attempts; its ``retry_after_max_s`` is the longest server
            ``retry-after`` honoured.
        honor_should_retry: Obey the server's ``x-should-retry`` over the status.
        idempotency_header: Header carrying the key shared by the attempts of one call.
        idempotency_prefix: Prefix of the idempotency keys tinkex makes up.
        retry_count_header: Header carrying the attempt number.
    """

    retry_status: list[int]
    retry_server_errors: bool = True
    retry_connection_errors: bool = True
    backoff: Backoff
    honor_should_retry: bool = True
    idempotency_header: str = "X-Idempotency-Key"
    idempotency_prefix: str = "tinkex-retry-"
    retry_count_header: str = "x-stainless-retry-count"


class BillingPause(_Settings, frozen=True, kw_only=True):
    """How 402s are waited out silently, by everything of one ServiceClient.

    Attributes:
        sleep_s: Pause before trying again while inside an incident.
        max_pause_s: Length of an incident after which the 402 is raised.
        incident_reset_s: An incident ends when no 402 was seen for this long.
        warn_every_s: Least time between two "paused due to billing" warnings.
    """

    sleep_s: float = 5.0
    max_pause_s: float = 3600.0
    incident_reset_s: float = 300.0
    warn_every_s: float = 60.0


class OuterRetryFeature(_Block, frozen=True, kw_only=True, tag="outer_retry"):
    """The holder-level retry loop around a whole logical call.

    Attributes:
        retry_status: Statuses that re-run the call (5xx per `retry_server_errors`); lost
            connections and timeouts always do.
        retry_server_errors: Re-run on every status >= 500.
        honor_should_retry: Obey the server's ``x-should-retry`` over the status.
        backoff: Delay between repetitions.
        budget_s: Total time for the repetitions (billing pauses excluded).
        billing_pause: The 402 pause shared by the whole client.
    """

    retry_status: list[int]
    retry_server_errors: bool = True
    honor_should_retry: bool = True
    backoff: Backoff
    budget_s: float = 300.0
    billing_pause: BillingPause = msgspec.field(default_factory=BillingPause)


class RetryHandlerFeature(_Block, frozen=True, kw_only=True, tag="retry_handler"):
    """The sampling retry handler."""

    max_connections: int | None = 2000
    progress_timeout_s: float = 7200.0
    backoff: Backoff
    enable_stuck_detection: bool = True


class FuturesFeature(_Block, frozen=True, kw_only=True, tag="promise_result"):
    """Polling of server-side futures through retrieve_future.

    `default_deadline_s` bounds the wait for every future whose call sets no deadline of its
    own (`tinkex.clients.futures.future_deadline`); null waits as long as the server answers.
    """

    retrieve_endpoint: str
    cancel_endpoint: str | None = None
    timeout_s: float = 45.0
    default_deadline_s: Annotated[float, msgspec.Meta(gt=0)] | None = 3600.0
    try_again_field: str = "type"
    try_again_value: str = "try_again"
    metadata_field: str = "status"
    metadata_value: str = "complete_metadata"
    metadata_size_field: str = "response_payload_size"
    error_field: str = "error"
    category_field: str = "category"
    queue_state_field: str = "queue_state"
    queue_state_reason_field: str = "queue_state_reason"
    max_bad_request_retries: int = 3
    backoff: Backoff
    iteration_header: str = "X-Tinker-Request-Iteration"
    request_type_header: str = "X-Tinker-Request-Type"
    roundtrip_header: str = "X-Tinker-Create-Promise-Roundtrip-Time"
    protobuf_results: list[str] = msgspec.field(default_factory=list)


class BatchFuturesFeature(_Block, frozen=True, kw_only=True, tag="batch_futures"):
    """Futures resolved through one retrieve_futures long-poll per sampling session.

    Applies to the futures of the endpoints that list the block, when the server's client
    config sets ``sample_use_retrieve_futures``; the `futures` block's poll then fetches each
    result once its completion is reported.

    Attributes:
        retrieve_endpoint: The long-poll endpoint (``futures.retrieve_many``).
        timeout_s: HTTP timeout of a long poll.
        ack_timeout_s: HTTP timeout of an ack-only poll (``timeout: 0``).
        max_bad_request_retries: 400s in a row polled again before the poll loop fails.
        backoff: Wait after a retryable poll failure (or the server's ``retry-after``).
    """

    retrieve_endpoint: str
    timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 45.0
    ack_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    max_bad_request_retries: Annotated[int, msgspec.Meta(ge=0)] = 3
    backoff: Backoff


class SamplingBackpressureFeature(_Block, frozen=True, kw_only=True, tag="sampling_backpressure"):
    """Sampling dispatch limits and 429 backoff."""

    backoff_small: Backoff
    backoff_large: Backoff
    large_threshold_bytes: int = 131072
    recent_window_s: float = 10.0
    count_limit: int = 400
    throttled_count_limit: int = 10
    dispatch_bytes: int = 10485760
    backoff_bytes_weight: int = 20


class TelemetryFeature(_Block, frozen=True, kw_only=True, tag="telemetry"):
    """Telemetry batching.

    Attributes:
        close_drain_s: Longest time closing a client spends delivering queued events.
    """

    batch_size: int = 100
    flush_interval_s: float = 10.0
    max_queue_size: int = 10000
    close_drain_s: float = 5.0
    backoff: Backoff = Backoff(base_s=0.5, max_s=2.0)


class HeartbeatFeature(_Block, frozen=True, kw_only=True, tag="heartbeat"):
    """The session heartbeat loop."""

    interval_s: float = 10.0
    warn_after_s: float = 120.0


class CircuitBreakerFeature(_Block, frozen=True, kw_only=True, tag="circuit_breaker"):
    """Opt-in circuit breaker: stop calling after repeated failures (Tinkex addition)."""

    failure_threshold: int = 5
    reset_timeout_s: float = 30.0
    half_open_max_calls: int = 1


class RateLimiterFeature(_Block, frozen=True, kw_only=True, tag="rate_limiter"):
    """Opt-in client-side token bucket (Tinkex addition)."""

    requests_per_second: float
    burst: int = 1


class RedirectFeature(_Block, frozen=True, kw_only=True, tag="redirect"):
    """Answer with the redirect itself instead of following it (legacy archive URL).

    A marker: the endpoints that list it get their 3xx response back as the result.
    """


Feature = (
    RetryPolicyFeature
    | OuterRetryFeature
    | RetryHandlerFeature
    | FuturesFeature
    | SamplingBackpressureFeature
    | BatchFuturesFeature
    | TelemetryFeature
    | HeartbeatFeature
    | CircuitBreakerFeature
    | RateLimiterFeature
    | RedirectFeature
)
