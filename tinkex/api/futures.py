# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``futures`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.common import EmptyResponse
from tinkex.domain.types.futures import (
    CancelFutureRequest,
    FutureRetrieveRequest,
    FuturesRetrieveRequest,
    FuturesRetrieveResponse,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import HttpResponse, PoolKind

__all__ = [
    "CANCEL",
    "RETRIEVE",
    "RETRIEVE_MANY",
    "cancel",
    "retrieve",
    "retrieve_many",
]

RETRIEVE = EndpointSpec(
    name="futures.retrieve",
    method="POST",
    path="/api/v1/retrieve_future",
    request_codec="json",
    accept="json",
    pool=PoolKind.RETRIEVE,
    max_retries=0,
    timeout_s=45.0,
    features=(),
    headers=(("X-Stainless-Raw-Response", "raw"),),
)

RETRIEVE_MANY = EndpointSpec(
    name="futures.retrieve_many",
    method="POST",
    path="/api/v1/retrieve_futures",
    request_codec="json",
    accept="json",
    pool=PoolKind.RETRIEVE,
    max_retries=0,
    timeout_s=45.0,
    features=(),
    headers=(),
)

CANCEL = EndpointSpec(
    name="futures.cancel",
    method="POST",
    path="/api/v1/cancel_future",
    request_codec="json",
    accept="json",
    pool=PoolKind.RETRIEVE,
    max_retries=0,
    timeout_s=30.0,
    features=("retry_outer",),
    headers=(),
)


async def retrieve(
    invoker: Invoker,
    request: FutureRetrieveRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Poll one future; the body is try_again, complete_metadata, an error, or the result.

    ``POST /api/v1/retrieve_future``
    """
    return await invoker.invoke(
        RETRIEVE,
        request,
        response_type=HttpResponse,
        headers=headers,
    )


async def retrieve_many(
    invoker: Invoker,
    request: FuturesRetrieveRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> FuturesRetrieveResponse:
    """Long-poll completions of a sampling session (timeout 5 s for ack-only polls).

    ``POST /api/v1/retrieve_futures``
    """
    return await invoker.invoke(
        RETRIEVE_MANY,
        request,
        response_type=FuturesRetrieveResponse,
        headers=headers,
    )


async def cancel(
    invoker: Invoker,
    request: CancelFutureRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Cancel a sample future (only when dynamic flag sample_cancel_enabled).

    ``POST /api/v1/cancel_future``
    """
    await invoker.invoke(
        CANCEL,
        request,
        response_type=type(None),
        headers=headers,
    )
    return EmptyResponse()
