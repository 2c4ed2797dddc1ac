# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``auth`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.common import EmptyResponse
from tinkex.domain.types.config import ApiKeyInfo, AuthTokenRequest, AuthTokenResponse
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "DELETE_API_KEY",
    "GET_API_KEY",
    "TOKEN",
    "delete_api_key",
    "get_api_key",
    "token",
]

TOKEN = EndpointSpec(
    name="auth.token",
    method="POST",
    path="/api/v1/auth/token",
    request_codec="json",
    accept="json",
    pool=PoolKind.AUTH,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard",),
    headers=(),
)

GET_API_KEY = EndpointSpec(
    name="auth.get_api_key",
    method="GET",
    path="/api/v1/auth/apikey/me",
    request_codec="none",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard",),
    headers=(),
)

DELETE_API_KEY = EndpointSpec(
    name="auth.delete_api_key",
    method="DELETE",
    path="/api/v1/auth/apikey/me",
    request_codec="none",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard",),
    headers=(),
)


async def token(
    invoker: Invoker,
    request: AuthTokenRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> AuthTokenResponse:
    """Exchange the API key for a short-lived JWT (JWT mode only); on its own pool.

    ``POST /api/v1/auth/token``
    """
    return await invoker.invoke(
        TOKEN,
        request,
        response_type=AuthTokenResponse,
        headers=headers,
    )


async def get_api_key(
    invoker: Invoker,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> ApiKeyInfo:
    """Describe the calling API key (CLI login).

    ``GET /api/v1/auth/apikey/me``
    """
    return await invoker.invoke(
        GET_API_KEY,
        None,
        response_type=ApiKeyInfo,
        headers=headers,
    )


async def delete_api_key(
    invoker: Invoker,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Delete the calling API key (CLI logout).

    ``DELETE /api/v1/auth/apikey/me``
    """
    await invoker.invoke(
        DELETE_API_KEY,
        None,
        response_type=type(None),
        headers=headers,
    )
    return EmptyResponse()
