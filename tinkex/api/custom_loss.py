# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``custom_loss`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.futures import UntypedAPIFuture
from tinkex.domain.types.training import CreateCustomLossRequest
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "CREATE",
    "create",
]

CREATE = EndpointSpec(
    name="custom_loss.create",
    method="POST",
    path="/api/v1/create_custom_loss",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "futures"),
    headers=(),
    future_result="CreateCustomLossResponse",
    request_type="CreateCustomLoss",
)


async def create(
    invoker: Invoker,
    request: CreateCustomLossRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Upload a traced custom loss graph.

    Answers with a future that resolves to ``CreateCustomLossResponse`` (``X-Tinker-Request-Type:
    CreateCustomLoss``).

    ``POST /api/v1/create_custom_loss``
    """
    return await invoker.invoke(
        CREATE,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )
