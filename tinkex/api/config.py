# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``config`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.config import (
    ClientConfigRequest,
    ClientConfigResponse,
    ClientDynamicConfigResponse,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "CLIENT_CONFIG",
    "DYNAMIC_CONFIG",
    "client_config",
    "dynamic_config",
]

CLIENT_CONFIG = EndpointSpec(
    name="config.client_config",
    method="POST",
    path="/api/v1/client/config",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

DYNAMIC_CONFIG = EndpointSpec(
    name="config.dynamic_config",
    method="POST",
    path="/api/v1/client/dynamic_config",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=10.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)


async def client_config(
    invoker: Invoker,
    request: ClientConfigRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> ClientConfigResponse:
    """Fetch server feature flags; the first request of every holder.

    ``POST /api/v1/client/config``
    """
    return await invoker.invoke(
        CLIENT_CONFIG,
        request,
        response_type=ClientConfigResponse,
        headers=headers,
    )


async def dynamic_config(
    invoker: Invoker,
    request: ClientConfigRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> ClientDynamicConfigResponse:
    """Fetch dynamic flags; refreshed in the background with max_retries 0, timeout 10.

    ``POST /api/v1/client/dynamic_config``
    """
    return await invoker.invoke(
        DYNAMIC_CONFIG,
        request,
        response_type=ClientDynamicConfigResponse,
        headers=headers,
    )
