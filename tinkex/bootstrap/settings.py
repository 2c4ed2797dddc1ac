"""Read the manifest's feature blocks into the configs the flows take.

The manifest names features by block; each flow has its own small config Struct. This module
is the one place that translates between the two, so a changed block shows up here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import msgspec

from tinkex.domain.retry import RetryRules
from tinkex.flows.backpressure import BackpressureConfig
from tinkex.flows.features import (
    BillingPauseConfig,
    CircuitBreakerConfig,
    OuterRetryConfig,
    RateLimiterConfig,
    RetryConfig,
)
from tinkex.flows.polling_state import FutureProtocol, FuturesConfig, SessionFuturesConfig
from tinkex.flows.sampling_retry import SamplingRetryConfig
from tinkex.flows.telemetry import TelemetryConfig
from tinkex.manifest.features import (
    BatchFuturesFeature,
    CircuitBreakerFeature,
    FuturesFeature,
    HeartbeatFeature,
    OuterRetryFeature,
    RateLimiterFeature,
    RedirectFeature,
    RetryHandlerFeature,
    RetryPolicyFeature,
    SamplingBackpressureFeature,
    TelemetryFeature,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.manifest.schema import Manifest

__all__ = ["BatchFuturesSettings", "FeatureSettings", "read_feature_settings"]

F = TypeVar("F")
C = TypeVar("C")


class BatchFuturesSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The manifest's ``batch_futures`` block, as the runtime wires it.

    Attributes:
        config: The poll loop's tunables.
        retrieve_endpoint: The long-poll endpoint's manifest name.
        endpoints: The endpoints whose futures it resolves (those listing the block).
    """

    config: SessionFuturesConfig
    retrieve_endpoint: str
    endpoints: frozenset[str]


class FeatureSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Every flow config the composition root needs, read from one manifest."""

    retry: RetryConfig
    endpoint_retry: dict[str, RetryConfig] = msgspec.field(default_factory=dict)
    outer_retry: OuterRetryConfig
    billing: BillingPauseConfig
    futures: FuturesConfig
    # Where abandoned samples are cancelled (the futures block's), and the batch poller
    # (None: the block is off, every future polls on its own).
    cancel_endpoint: str | None = None
    batch_futures: BatchFuturesSettings | None = None
    # The endpoint every future is polled through, and the result types fetched as protobuf.
    retrieve_endpoint: str = "futures.retrieve"
    protobuf_results: tuple[str, ...] = ()
    backpressure: BackpressureConfig
    sampling_retry: SamplingRetryConfig
    telemetry: TelemetryConfig
    heartbeat_interval_s: float = 10.0
    heartbeat_warn_after_s: float = 120.0
    circuit_breakers: dict[str, CircuitBreakerConfig] = msgspec.field(default_factory=dict)
    rate_limiters: dict[str, RateLimiterConfig] = msgspec.field(default_factory=dict)
    redirect_endpoints: frozenset[str] = frozenset()


def _block(manifest: Manifest, kind: type[F]) -> F | None:
    for feature in manifest.features.values():
        if isinstance(feature, kind) and getattr(feature, "enabled", True):
            return feature
    return None


def read_feature_settings(manifest: Manifest) -> FeatureSettings:
    """Translate the manifest's feature blocks into flow configs (defaults where absent)."""
    retry = _block(manifest, RetryPolicyFeature)
    outer = _block(manifest, OuterRetryFeature)
    futures = _block(manifest, FuturesFeature)
    pressure = _block(manifest, SamplingBackpressureFeature)
    handler = _block(manifest, RetryHandlerFeature)
    telemetry = _block(manifest, TelemetryFeature)
    heartbeat = _block(manifest, HeartbeatFeature)
    batch = _block(manifest, BatchFuturesFeature)
    billing = (
        BillingPauseConfig(
            max_pause_s=outer.billing_pause.max_pause_s,
            sleep_s=outer.billing_pause.sleep_s,
            reset_after_s=outer.billing_pause.incident_reset_s,
            warn_every_s=outer.billing_pause.warn_every_s,
        )
        if outer
        else BillingPauseConfig()
    )
    default_retry = _retry(retry) if retry else RetryConfig()
    return FeatureSettings(
        retry=default_retry,
        endpoint_retry={
            name: config
            for name, config in _per_endpoint(manifest, RetryPolicyFeature, _retry).items()
            if config != default_retry
        },
        outer_retry=OuterRetryConfig(
            budget_s=outer.budget_s,
            rules=RetryRules(
                statuses=frozenset(outer.retry_status),
                server_errors=outer.retry_server_errors,
                honor_should_retry=outer.honor_should_retry,
            ),
            backoff=outer.backoff,
        )
        if outer
        else OuterRetryConfig(enabled=False),
        billing=billing,
        futures=FuturesConfig(
            poll_timeout_s=futures.timeout_s,
            max_bad_request_retries=futures.max_bad_request_retries,
            backoff=futures.backoff,
            default_deadline_s=futures.default_deadline_s,
            protocol=FutureProtocol(
                try_again_field=futures.try_again_field,
                try_again_value=futures.try_again_value,
                metadata_field=futures.metadata_field,
                metadata_value=futures.metadata_value,
                metadata_size_field=futures.metadata_size_field,
                error_field=futures.error_field,
                category_field=futures.category_field,
                queue_state_field=futures.queue_state_field,
                queue_state_reason_field=futures.queue_state_reason_field,
                iteration_header=futures.iteration_header,
                request_type_header=futures.request_type_header,
                roundtrip_header=futures.roundtrip_header,
            ),
        )
        if futures
        else FuturesConfig(),
        cancel_endpoint=futures.cancel_endpoint if futures else None,
        retrieve_endpoint=futures.retrieve_endpoint if futures else "futures.retrieve",
        protobuf_results=tuple(futures.protobuf_results) if futures else (),
        batch_futures=_batch_futures(manifest, batch) if batch else None,
        backpressure=_backpressure(pressure),
        sampling_retry=SamplingRetryConfig(
            max_connections=handler.max_connections,
            progress_timeout_s=handler.progress_timeout_s,
            backoff=handler.backoff,
            enable_stuck_detection=handler.enable_stuck_detection,
        )
        if handler
        else SamplingRetryConfig(),
        telemetry=TelemetryConfig(
            max_queue=telemetry.max_queue_size,
            batch_size=telemetry.batch_size,
            flush_interval_s=telemetry.flush_interval_s,
            drain_timeout_s=telemetry.close_drain_s,
            backoff=telemetry.backoff,
        )
        if telemetry
        else TelemetryConfig(),
        heartbeat_interval_s=heartbeat.interval_s if heartbeat else 10.0,
        heartbeat_warn_after_s=heartbeat.warn_after_s if heartbeat else 120.0,
        circuit_breakers=_per_endpoint(manifest, CircuitBreakerFeature, _breaker),
        rate_limiters=_per_endpoint(manifest, RateLimiterFeature, _limiter),
        redirect_endpoints=frozenset(_per_endpoint(manifest, RedirectFeature, lambda b: b)),
    )


def _retry(block: RetryPolicyFeature) -> RetryConfig:
    return RetryConfig(
        rules=RetryRules(
            statuses=frozenset(block.retry_status),
            server_errors=block.retry_server_errors,
            connection_errors=block.retry_connection_errors,
            honor_should_retry=block.honor_should_retry,
        ),
        backoff=block.backoff,
        idempotency_header=block.idempotency_header,
        idempotency_prefix=block.idempotency_prefix,
        retry_count_header=block.retry_count_header,
    )


def _batch_futures(manifest: Manifest, block: BatchFuturesFeature) -> BatchFuturesSettings:
    return BatchFuturesSettings(
        config=SessionFuturesConfig(
            poll_timeout_s=block.timeout_s,
            ack_timeout_s=block.ack_timeout_s,
            max_bad_request_retries=block.max_bad_request_retries,
            backoff=block.backoff,
        ),
        retrieve_endpoint=block.retrieve_endpoint,
        endpoints=frozenset(_per_endpoint(manifest, BatchFuturesFeature, lambda b: b)),
    )


def _backpressure(block: SamplingBackpressureFeature | None) -> BackpressureConfig:
    if block is None:
        return BackpressureConfig()
    return BackpressureConfig(
        max_concurrent=block.count_limit,
        throttled_concurrent=block.throttled_count_limit,
        bytes_budget=block.dispatch_bytes,
        backoff_weight=block.backoff_bytes_weight,
        small_request_bytes=block.large_threshold_bytes,
        small_backoff=block.backoff_small,
        large_backoff=block.backoff_large,
        recent_window_s=block.recent_window_s,
    )


def _breaker(block: CircuitBreakerFeature) -> CircuitBreakerConfig:
    return CircuitBreakerConfig(
        failure_threshold=block.failure_threshold,
        reset_timeout_s=block.reset_timeout_s,
        half_open_max_calls=block.half_open_max_calls,
    )


def _limiter(block: RateLimiterFeature) -> RateLimiterConfig:
    return RateLimiterConfig(rate_per_s=block.requests_per_second, burst=block.burst)


def _per_endpoint(manifest: Manifest, kind: type[F], convert: Callable[[F], C]) -> dict[str, C]:
    found: dict[str, C] = {}
    for endpoint_name, endpoint in manifest.endpoints.items():
        for feature_name in endpoint.features:
            block = manifest.features.get(feature_name)
            if isinstance(block, kind) and getattr(block, "enabled", True):
                found[endpoint_name] = convert(block)
    return found
