"""The session of a started stack: its create, finish and heartbeat calls, and its manager.

`session_manager` wires a `ManagedSession` (which owns the session's lifecycle) to this
stack's pipeline and heartbeat mode: a new session created with the stack's options, or a
session joined from another process (an unpickled sampling client), which is only kept alive.
"""

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
    from tinkex.bootstrap.stack_base import StackBase
    from tinkex.bootstrap.wire_era import WireEra
    from tinkex.flows.heartbeat import HeartbeatRunner
    from tinkex.flows.sessions import ManagedSession
    from tinkex.ports.client import SessionOptions
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["SessionCalls", "session_manager"]

_FINISH_REASONS: dict[SessionEndReason, ClientSessionFinishReason] = {
    SessionEndReason.SUCCESS: ClientSessionFinishSuccess(),
    SessionEndReason.ERRORED: ClientSessionFinishErrored(),
    SessionEndReason.INTERRUPTED: ClientSessionFinishInterrupted(),
}


class SessionCalls:
    """The session traffic of one stack, through its pipeline.

    Args:
        base: Supplies the config (tags, project) and the logger.
        invoker: The stack's pipeline.
        era: The server's wire era (the SDK version sent; JSON-era servers have no finish).
        options: What a new session is created with.
    """

    def __init__(
        self, base: StackBase, invoker: Invoker, era: WireEra, options: SessionOptions
    ) -> None:
        self._base = base
        self._invoker = invoker
        self._era = era
        self._options = options

    async def create(self) -> str:
        """Create a session; the server's info/warning/error messages are logged at that level."""
        config, options = self._base.config, self._options
        response = await api.session.create(
            self._invoker,
            CreateSessionRequest(
                tags=list(config.tags),
                user_metadata=dict(options.user_metadata),
                sdk_version=self._era.sdk_version,
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
                getattr(self._base.logger, level)("session.message", detail=message)
        return response.session_id

    async def finish(self, session_id: str, reason: SessionEndReason, detail: str | None) -> None:
        """Tell the server the session ended, and how (JSON-era servers have no such call)."""
        if self._era.json_era:
            return
        await api.session.finish(
            self._invoker,
            FinishSessionRequest(reason=_FINISH_REASONS[reason], detail=detail),
            session_id=session_id,
        )

    async def heartbeat(self, session_id: str) -> None:
        """One heartbeat through the main pipeline (background traffic: no x-sdk-method)."""
        token = current_sdk_method.set(None)
        try:
            await api.session.heartbeat(
                self._invoker, SessionHeartbeatRequest(session_id=session_id)
            )
        finally:
            current_sdk_method.reset(token)


def session_manager(
    base: StackBase,
    calls: SessionCalls,
    *,
    era: WireEra,
    telemetry: TelemetrySink | None,
    join_session_id: str | None,
) -> ManagedSession:
    """The manager of a new session (`join_session_id` None) or of a joined one.

    Only a session created here is reported to `telemetry` and finished on close.
    """
    from tinkex.flows.sessions import ManagedSession

    heartbeat = _heartbeat_runner(base, calls, era)
    if join_session_id is not None:
        return ManagedSession.joined(join_session_id, heartbeat=heartbeat, clock=base.clock)
    return ManagedSession(
        calls.create,
        heartbeat=heartbeat,
        finish=calls.finish,
        clock=base.clock,
        telemetry=telemetry,
    )


def _heartbeat_runner(base: StackBase, calls: SessionCalls, era: WireEra) -> HeartbeatRunner:
    from tinkex.bootstrap.heartbeat_sender import threaded_heartbeat_sender
    from tinkex.flows.heartbeat import LoopHeartbeat, ThreadedHeartbeat

    settings = base.settings
    if base.adapters.threaded_heartbeat:
        return ThreadedHeartbeat(
            threaded_heartbeat_sender(base, era),
            interval_s=settings.heartbeat_interval_s,
            warn_after_s=settings.heartbeat_warn_after_s,
            logger=base.logger,
        )
    return LoopHeartbeat(
        calls.heartbeat,
        clock=base.clock,
        interval_s=settings.heartbeat_interval_s,
        warn_after_s=settings.heartbeat_warn_after_s,
        logger=base.logger,
    )
