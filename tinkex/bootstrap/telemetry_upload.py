"""Send one batch of SDK telemetry events to the service (the `BatchingTelemetry` sender)."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any, Protocol

from tinkex import api
from tinkex.domain.headers import current_sdk_method
from tinkex.domain.types import TelemetryResponse

if TYPE_CHECKING:
    from tinkex.bootstrap.wire_era import WireEra
    from tinkex.ports.endpoint import Invoker

__all__ = ["send_telemetry"]


class _TelemetryStack(Protocol):
    """What sending telemetry needs of a started stack."""

    @property
    def session_id(self) -> str | None: ...

    @property
    def era(self) -> WireEra: ...

    @property
    def invoker(self) -> Invoker: ...


async def send_telemetry(stack: _TelemetryStack, events: list[dict[str, Any]]) -> None:
    """POST `events` as one batch through `stack`'s pipeline."""
    from tinkex.flows.telemetry import build_batch_body

    body = build_batch_body(
        events,
        session_id=stack.session_id or "sessionless",
        sdk_version=stack.era.sdk_version,
        platform_name=platform.system(),
    )
    if stack.era.json_era:
        body.pop("process_uuid", None)  # the 0.16.1 SDK's batch has no process id field
    # The flush task may have been started inside a public method: telemetry is background
    # traffic and must not carry that method's x-sdk-method.
    token = current_sdk_method.set(None)
    try:
        # The sink stamps events as plain mappings; they are sent as they are.
        await stack.invoker.invoke(api.telemetry.SEND, body, response_type=TelemetryResponse)
    finally:
        current_sdk_method.reset(token)
