# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``telemetry`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.telemetry import TelemetryResponse, TelemetrySendRequest
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "SEND",
    "send",
]

SEND = EndpointSpec(
    name="telemetry.send",
    method="POST",
    path="/api/v1/telemetry",
    request_codec="json",
    accept="json",
    pool=PoolKind.TELEMETRY,
    max_retries=10,
    timeout_s=5.0,
    features=("retry_standard", "telemetry"),
    headers=(),
)


async def send(
    invoker: Invoker,
    request: TelemetrySendRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> TelemetryResponse:
    """Send one batch of telemetry events.

    ``POST /api/v1/telemetry``
    """
    return await invoker.invoke(
        SEND,
        request,
        response_type=TelemetryResponse,
        headers=headers,
    )
