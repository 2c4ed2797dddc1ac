# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``service`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.config import GetServerCapabilitiesResponse, HealthResponse
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "GET_SERVER_CAPABILITIES",
    "HEALTHZ",
    "get_server_capabilities",
    "healthz",
]

GET_SERVER_CAPABILITIES = EndpointSpec(
    name="service.get_server_capabilities",
    method="GET",
    path="/api/v1/get_server_capabilities",
    request_codec="none",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

HEALTHZ = EndpointSpec(
    name="service.healthz",
    method="GET",
    path="/api/v1/healthz",
    request_codec="none",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "circuit_breaker"),
    headers=(),
)


async def get_server_capabilities(
    invoker: Invoker,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> GetServerCapabilitiesResponse:
    """List the base models the service supports.

    ``GET /api/v1/get_server_capabilities``
    """
    return await invoker.invoke(
        GET_SERVER_CAPABILITIES,
        None,
        response_type=GetServerCapabilitiesResponse,
        headers=headers,
    )


async def healthz(
    invoker: Invoker,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> HealthResponse:
    """Liveness probe (no public client method uses it).

    ``GET /api/v1/healthz``
    """
    return await invoker.invoke(
        HEALTHZ,
        None,
        response_type=HealthResponse,
        headers=headers,
    )
