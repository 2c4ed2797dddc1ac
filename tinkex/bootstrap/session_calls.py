"""The session traffic of a runtime: create, finish, join and heartbeat calls on its pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex import api
from tinkex.domain.headers import current_sdk_method
from tinkex.domain.types import (
    ClientSessionFinishErrored,
    ClientSessionFinishInterrupted,
    ClientSessionFinishReason,
    ClientSessionFinishSuccess,
    CreateSessionRequest,
    FinishSessionRequest,
    SessionHeartbeatRequest,
)
from tinkex.ports.sessions import SessionEndReason

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.client import SessionOptions

__all__ = ["create_session", "finish_session", "known_session", "leave_session", "send_heartbeat"]

_FINISH_REASONS: dict[SessionEndReason, ClientSessionFinishReason] = {
    SessionEndReason.SUCCESS: ClientSessionFinishSuccess(),
    SessionEndReason.ERRORED: ClientSessionFinishErrored(),
    SessionEndReason.INTERRUPTED: ClientSessionFinishInterrupted(),
}


async def create_session(runtime: Runtime, options: SessionOptions) -> str:
    """Create a session; the server's info/warning/error messages are logged at that level."""
    config = runtime.config
    response = await api.session.create(
        runtime.invoker,
        CreateSessionRequest(
            tags=list(config.tags),
            user_metadata=dict(options.user_metadata),
            sdk_version=runtime.era.sdk_version,
            project_id=options.project_id or config.project_id,
            display_name=options.display_name,
        ),
    )
    for level, message in (
        ("info", response.info_message),
        ("warning", response.warning_message),
        ("error", response.error_message),
    ):
        if message:
            getattr(runtime.logger, level)("session.message", detail=message)
    return response.session_id


async def finish_session(
    runtime: Runtime, session_id: str, reason: SessionEndReason, detail: str | None
) -> None:
    """Tell the server the session ended, and how (JSON-era servers have no such call)."""
    if runtime.legacy:
        return
    await api.session.finish(
        runtime.invoker,
        FinishSessionRequest(reason=_FINISH_REASONS[reason], detail=detail),
        session_id=session_id,
    )


async def send_heartbeat(runtime: Runtime, session_id: str) -> None:
    """One heartbeat through the main pipeline (background traffic: no x-sdk-method)."""
    token = current_sdk_method.set(None)
    try:
        await api.session.heartbeat(runtime.invoker, SessionHeartbeatRequest(session_id=session_id))
    finally:
        current_sdk_method.reset(token)


def known_session(session_id: str) -> Callable[[], Awaitable[str]]:
    """A session "creator" for a session that already exists (an unpickled client joins it)."""

    async def known() -> str:
        return session_id

    return known


async def leave_session(session_id: str, reason: SessionEndReason, detail: str | None) -> None:
    """A joined session belongs to another runtime, which finishes it."""
