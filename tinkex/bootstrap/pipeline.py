"""Build one `PipelineInvoker` of a client stack: the manifest's features over its pool."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
    from tinkex.bootstrap.stack_base import StackBase
    from tinkex.bootstrap.wire_era import WireEra
    from tinkex.flows.invoker import PipelineInvoker
    from tinkex.ports.codec import Codec
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["build_invoker"]


def build_invoker(
    base: StackBase,
    era: WireEra,
    json: MsgspecJsonCodec,
    protobuf: Codec,
    *,
    telemetry: TelemetrySink | None,
    pool: ConnectionPool | None = None,
    for_exchange: bool = False,
) -> PipelineInvoker:
    """A pipeline over `pool` (default: the stack's) with the stack's features.

    Args:
        base: Supplies the settings, auth, clock, billing pause and observability.
        era: The server's wire era (SDK version, identification headers, JSON writing).
        json: The JSON codec (the era decides how it writes bodies).
        protobuf: The codec of protobuf endpoints (the JSON one before server config).
        telemetry: Where the pipeline reports, if anywhere.
        pool: Another pool than the stack's (the first-contact watch).
        for_exchange: The pipeline of the JWT exchange itself: the exchange credential,
            not the session's.
    """
    from tinkex.adapters.multipart import MultipartFormEncoder
    from tinkex.flows.circuit_breaker import CircuitBreaker
    from tinkex.flows.invoker import PipelineInvoker
    from tinkex.flows.rate_limiter import RateLimiter

    settings = base.settings
    auth = base.auth
    clock = base.clock
    base_pool = pool if pool is not None else base.adapters.pool
    return PipelineInvoker(
        pool=base_pool if for_exchange else auth.wrap_pool(base_pool),
        codecs={"json": era.json_codec(json), "protobuf": protobuf},
        base_url=base.adapters.base_url,
        auth_headers=auth.exchange_headers() if for_exchange else auth.headers(),
        auth_provider=auth.exchange_provider() if for_exchange else auth.provider(),
        clock=clock,
        retry=settings.retry,
        endpoint_retry=settings.endpoint_retry,
        outer_retry=settings.outer_retry,
        billing=base.billing,
        sdk_version=era.sdk_version,
        sdk_method_headers=era.sdk_method_headers,
        telemetry=telemetry,
        tracer=base.tracer,
        instruments=base.observability.instruments,
        logger=base.logger,
        circuit_breakers={
            name: CircuitBreaker(name, cfg, clock=clock)
            for name, cfg in settings.circuit_breakers.items()
        },
        rate_limiters={
            name: RateLimiter(cfg, clock=clock) for name, cfg in settings.rate_limiters.items()
        },
        default_headers=base.config.default_headers,
        redirect_endpoints=settings.redirect_endpoints,
        multipart=MultipartFormEncoder(),
    )
