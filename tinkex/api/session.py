# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``session`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.common import EmptyResponse
from tinkex.domain.types.sessions import (
    CreateSessionRequest,
    CreateSessionResponse,
    FinishSessionRequest,
    SessionHeartbeatRequest,
    SessionHeartbeatResponse,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "CREATE",
    "FINISH",
    "HEARTBEAT",
    "create",
    "finish",
    "heartbeat",
]

CREATE = EndpointSpec(
    name="session.create",
    method="POST",
    path="/api/v1/create_session",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard",),
    headers=(),
)

HEARTBEAT = EndpointSpec(
    name="session.heartbeat",
    method="POST",
    path="/api/v1/session_heartbeat",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=0,
    timeout_s=10.0,
    features=("heartbeat",),
    headers=(),
)

FINISH = EndpointSpec(
    name="session.finish",
    method="POST",
    path="/api/v1/sessions/{session_id}/finish",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)


async def create(
    invoker: Invoker,
    request: CreateSessionRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> CreateSessionResponse:
    """Create a session; info/warning/error messages in the answer are logged.

    ``POST /api/v1/create_session``
    """
    return await invoker.invoke(
        CREATE,
        request,
        response_type=CreateSessionResponse,
        headers=headers,
    )


async def heartbeat(
    invoker: Invoker,
    request: SessionHeartbeatRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> SessionHeartbeatResponse:
    """Keep the session alive; 410 means the session finished.

    ``POST /api/v1/session_heartbeat``
    """
    return await invoker.invoke(
        HEARTBEAT,
        request,
        response_type=SessionHeartbeatResponse,
        headers=headers,
    )


async def finish(
    invoker: Invoker,
    request: FinishSessionRequest,
    /,
    *,
    session_id: str,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Tell the server the client is done with the session.

    ``POST /api/v1/sessions/{session_id}/finish``
    """
    await invoker.invoke(
        FINISH,
        request,
        response_type=type(None),
        path_params={"session_id": session_id},
        headers=headers,
    )
    return EmptyResponse()
