"""Send one batch of SDK telemetry events to the service (the `BatchingTelemetry` sender)."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

from tinkex import api
from tinkex.domain.headers import current_sdk_method
from tinkex.domain.types import TelemetryResponse

if TYPE_CHECKING:
    from tinkex.bootstrap.runtime import Runtime

__all__ = ["send_telemetry"]


async def send_telemetry(runtime: Runtime, events: list[dict[str, Any]]) -> None:
    """POST `events` as one batch through `runtime`'s pipeline."""
    from tinkex.flows.telemetry import build_batch_body

    body = build_batch_body(
        events,
        session_id=runtime.current_session_id or "sessionless",
        sdk_version=runtime.era.sdk_version,
        platform_name=platform.system(),
    )
    if runtime.era.json_era:
        body.pop("process_uuid", None)  # the JSON-era batch has no process id (spec 11)
    # The flush task may have been started inside a public method: telemetry is background
    # traffic and must not carry that method's x-sdk-method.
    token = current_sdk_method.set(None)
    try:
        # The sink stamps events as plain mappings; they are sent as they are.
        await runtime.invoker.invoke(api.telemetry.SEND, body, response_type=TelemetryResponse)
    finally:
        current_sdk_method.reset(token)
