# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``training`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.futures import UntypedAPIFuture
from tinkex.domain.types.training import (
    ForwardBackwardRequest,
    ForwardBackwardRequestLegacy,
    ForwardRequestLegacy,
    OptimStepRequest,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "FORWARD_BACKWARD",
    "FORWARD_BACKWARD_LEGACY",
    "FORWARD_LEGACY",
    "OPTIM_STEP",
    "forward_backward",
    "forward_backward_legacy",
    "forward_legacy",
    "optim_step",
]

FORWARD_BACKWARD = EndpointSpec(
    name="training.forward_backward",
    method="POST",
    path="/api/v1/forward_backward",
    request_codec="protobuf",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="ForwardBackwardOutput",
    request_type="ForwardBackward",
)

FORWARD_LEGACY = EndpointSpec(
    name="training.forward_legacy",
    method="POST",
    path="/api/v1/forward",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="ForwardBackwardOutput",
    request_type="Forward",
)

FORWARD_BACKWARD_LEGACY = EndpointSpec(
    name="training.forward_backward_legacy",
    method="POST",
    path="/api/v1/forward_backward",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="ForwardBackwardOutput",
    request_type="ForwardBackward",
)

OPTIM_STEP = EndpointSpec(
    name="training.optim_step",
    method="POST",
    path="/api/v1/optim_step",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="OptimStepResponse",
    request_type="OptimStep",
)


async def forward_backward(
    invoker: Invoker,
    request: ForwardBackwardRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Forward (forward_only) or forward+backward over one chunk; protobuf body.

    Answers with a future that resolves to ``ForwardBackwardOutput`` (``X-Tinker-Request-Type:
    ForwardBackward``).

    ``POST /api/v1/forward_backward``
    """
    return await invoker.invoke(
        FORWARD_BACKWARD,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def forward_legacy(
    invoker: Invoker,
    request: ForwardRequestLegacy,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """JSON-era forward (SDK 0.16.1); body wrapper key forward_input.

    Answers with a future that resolves to ``ForwardBackwardOutput`` (``X-Tinker-Request-Type:
    Forward``).

    ``POST /api/v1/forward``
    """
    return await invoker.invoke(
        FORWARD_LEGACY,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def forward_backward_legacy(
    invoker: Invoker,
    request: ForwardBackwardRequestLegacy,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """JSON-era forward_backward (SDK 0.16.1); body wrapper key forward_backward_input.

    Answers with a future that resolves to ``ForwardBackwardOutput`` (``X-Tinker-Request-Type:
    ForwardBackward``).

    ``POST /api/v1/forward_backward``
    """
    return await invoker.invoke(
        FORWARD_BACKWARD_LEGACY,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


async def optim_step(
    invoker: Invoker,
    request: OptimStepRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Apply one optimizer step.

    Answers with a future that resolves to ``OptimStepResponse`` (``X-Tinker-Request-Type:
    OptimStep``).

    ``POST /api/v1/optim_step``
    """
    return await invoker.invoke(
        OPTIM_STEP,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )
