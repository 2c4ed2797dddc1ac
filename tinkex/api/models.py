# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``models`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.futures import UntypedAPIFuture
from tinkex.domain.types.training import (
    CreateModelRequest,
    GetInfoRequest,
    GetInfoResponse,
    UnloadModelRequest,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "CREATE",
    "GET_INFO",
    "UNLOAD",
    "create",
    "get_info",
    "unload",
]

CREATE = EndpointSpec(
    name="models.create",
    method="POST",
    path="/api/v1/create_model",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="CreateModelResponse",
    request_type="CreateModel",
)

GET_INFO = EndpointSpec(
    name="models.get_info",
    method="POST",
    path="/api/v1/get_info",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

UNLOAD = EndpointSpec(
    name="models.unload",
    method="POST",
    path="/api/v1/unload_model",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "futures"),
    headers=(),
    future_result="UnloadModelResponse",
    request_type="UnloadModel",
)


async def create(
    invoker: Invoker,
    request: CreateModelRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Create a LoRA training run; resolves to CreateModelResponse.

    Answers with a future that resolves to ``CreateModelResponse`` (``X-Tinker-Request-Type:
    CreateModel``).

    ``POST /api/v1/create_model``
    """
    return await invoker.invoke(
        CREATE,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def get_info(
    invoker: Invoker,
    request: GetInfoRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> GetInfoResponse:
    """Describe a training run (tokenizer id has its ":suffix" stripped by the client).

    ``POST /api/v1/get_info``
    """
    return await invoker.invoke(
        GET_INFO,
        request,
        response_type=GetInfoResponse,
        headers=headers,
    )


async def unload(
    invoker: Invoker,
    request: UnloadModelRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Unload a model (JSON-era resource; no 0.38 client method calls it).

    Answers with a future that resolves to ``UnloadModelResponse`` (``X-Tinker-Request-Type:
    UnloadModel``).

    ``POST /api/v1/unload_model``
    """
    return await invoker.invoke(
        UNLOAD,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )
