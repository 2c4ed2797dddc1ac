# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``weights`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.futures import UntypedAPIFuture
from tinkex.domain.types.weights import (
    CopyWeightsRequest,
    CopyWeightsResponse,
    LoadWeightsRequest,
    SaveWeightsExternalRequest,
    SaveWeightsForSamplerRequest,
    SaveWeightsRequest,
    WeightsInfoRequest,
    WeightsInfoResponse,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "COPY",
    "INFO",
    "LOAD",
    "SAVE",
    "SAVE_EXTERNAL",
    "SAVE_FOR_SAMPLER",
    "copy",
    "info",
    "load",
    "save",
    "save_external",
    "save_for_sampler",
]

SAVE = EndpointSpec(
    name="weights.save",
    method="POST",
    path="/api/v1/save_weights",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=0,
    timeout_s=60.0,
    features=("retry_outer", "futures"),
    headers=(),
    future_result="SaveWeightsResponse",
    request_type="SaveWeights",
)

SAVE_FOR_SAMPLER = EndpointSpec(
    name="weights.save_for_sampler",
    method="POST",
    path="/api/v1/save_weights_for_sampler",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=0,
    timeout_s=60.0,
    features=("retry_outer", "futures"),
    headers=(),
    future_result="SaveWeightsForSamplerResponse",
    request_type="SaveWeightsForSampler",
)

SAVE_EXTERNAL = EndpointSpec(
    name="weights.save_external",
    method="POST",
    path="/api/v1/save_weights_external",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=0,
    timeout_s=60.0,
    features=("retry_outer", "futures"),
    headers=(),
    future_result="SaveWeightsExternalResponse",
    request_type="SaveWeightsExternal",
)

LOAD = EndpointSpec(
    name="weights.load",
    method="POST",
    path="/api/v1/load_weights",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="LoadWeightsResponse",
    request_type="LoadWeights",
)

INFO = EndpointSpec(
    name="weights.info",
    method="POST",
    path="/api/v1/weights_info",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

COPY = EndpointSpec(
    name="weights.copy",
    method="POST",
    path="/api/v1/copy_weights",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)


async def save(
    invoker: Invoker,
    request: SaveWeightsRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Save training state (weights + optimizer) under a name.

    Answers with a future that resolves to ``SaveWeightsResponse`` (``X-Tinker-Request-Type:
    SaveWeights``).

    ``POST /api/v1/save_weights``
    """
    return await invoker.invoke(
        SAVE,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def save_for_sampler(
    invoker: Invoker,
    request: SaveWeightsForSamplerRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Save sampler weights (named, or ephemeral with sampling_session_seq_id).

    Answers with a future that resolves to ``SaveWeightsForSamplerResponse`` (``X-Tinker-Request-
    Type: SaveWeightsForSampler``).

    ``POST /api/v1/save_weights_for_sampler``
    """
    return await invoker.invoke(
        SAVE_FOR_SAMPLER,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def save_external(
    invoker: Invoker,
    request: SaveWeightsExternalRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Export weights for download through signed URLs.

    Answers with a future that resolves to ``SaveWeightsExternalResponse`` (``X-Tinker-Request-Type:
    SaveWeightsExternal``).

    ``POST /api/v1/save_weights_external``
    """
    return await invoker.invoke(
        SAVE_EXTERNAL,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def load(
    invoker: Invoker,
    request: LoadWeightsRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Load weights in place, or create a training run from a checkpoint.

    Answers with a future that resolves to ``LoadWeightsResponse`` (``X-Tinker-Request-Type:
    LoadWeights``).

    ``POST /api/v1/load_weights``
    """
    return await invoker.invoke(
        LOAD,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def info(
    invoker: Invoker,
    request: WeightsInfoRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> WeightsInfoResponse:
    """Describe the weights behind a tinker:// path.

    ``POST /api/v1/weights_info``
    """
    return await invoker.invoke(
        INFO,
        request,
        response_type=WeightsInfoResponse,
        headers=headers,
    )


async def copy(
    invoker: Invoker,
    request: CopyWeightsRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> CopyWeightsResponse:
    """Copy weights into another project (idempotency key reused across both retry layers).

    ``POST /api/v1/copy_weights``
    """
    return await invoker.invoke(
        COPY,
        request,
        response_type=CopyWeightsResponse,
        headers=headers,
    )
