"""`ManagedSession`: the whole life of one server session, from creation to its finish.

The session is created once (on first use), kept alive by heartbeats, finished once, and
reported to telemetry (``SESSION_START`` when created, ``SESSION_END`` with its duration when
finished). It also numbers the training and sampling clients made in it. A session joined from
another process (an unpickled sampling client) is only kept alive: it belongs to the process
that created it, which finishes and reports it.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import TYPE_CHECKING

from tinkex.errors import ClosedError
from tinkex.ports.sessions import SessionEndReason
from tinkex.ports.telemetry import TelemetryEvent

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.flows.heartbeat import HeartbeatRunner
    from tinkex.ports.clock import Clock
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["ManagedSession"]


class ManagedSession:
    """A `SessionManager` over injected create/finish calls and a heartbeat runner.

    Concurrent `ensure_session` callers share one creation; a failed creation is retried by
    the next caller. `aclose` finishes the session on the server once (waiting for a creation
    in progress, so no session is left behind unfinished), then stops the heartbeats.
    """

    def __init__(
        self,
        create: Callable[[], Awaitable[str]],
        *,
        heartbeat: HeartbeatRunner,
        finish: Callable[[str, SessionEndReason, str | None], Awaitable[None]],
        clock: Clock,
        telemetry: TelemetrySink | None = None,
    ) -> None:
        """Create a manager; nothing is sent until `ensure_session`.

        Args:
            create: ``POST /create_session``; returns the new session id.
            heartbeat: Started with the session id once it exists.
            finish: ``POST /sessions/{id}/finish`` with the end reason and optional detail.
            clock: Time source for `duration_s`.
            telemetry: Told when the session starts and ends (None: not reported).
        """
        self._create = create
        self._heartbeat = heartbeat
        self._finish = finish
        self._clock = clock
        self._telemetry = telemetry
        self._session_id: str | None = None
        self._creating: asyncio.Task[str] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._started_at: float | None = None
        # The session numbers its training and sampling clients; the server derives their
        # ids from these counters, so they belong to the session, not to one client.
        self._model_seq = itertools.count()
        self._sampling_seq = itertools.count()

    @classmethod
    def joined(cls, session_id: str, *, heartbeat: HeartbeatRunner, clock: Clock) -> ManagedSession:
        """A manager that keeps another process's session alive, and never finishes it."""

        async def known() -> str:
            return session_id

        async def leave(_session_id: str, _reason: SessionEndReason, _detail: str | None) -> None:
            """The session's creator finishes it."""

        return cls(known, heartbeat=heartbeat, finish=leave, clock=clock)

    def next_model_seq_id(self) -> int:
        """Reserve the next training-client counter value of this session."""
        return next(self._model_seq)

    def next_sampling_session_seq_id(self) -> int:
        """Reserve the next sampling-client counter value (shared with ephemeral saves)."""
        return next(self._sampling_seq)

    @property
    def session_id(self) -> str | None:
        """The session id, once created."""
        return self._session_id

    @property
    def closed(self) -> bool:
        """True once `aclose` was called."""
        return self._closing is not None

    def duration_s(self) -> float | None:
        """Seconds since the session was created, or None before that."""
        return None if self._started_at is None else self._clock.monotonic() - self._started_at

    async def ensure_session(self) -> str:
        """Return the session id, creating the session and starting heartbeats if needed.

        Raises:
            ClosedError: The session manager was closed.
        """
        if self._closing is not None:
            raise ClosedError("session is closed")
        if self._session_id is not None:
            return self._session_id
        if self._creating is None or self._creating.done():
            self._creating = asyncio.ensure_future(self._create_and_start())
        # Shielded so that one cancelled caller does not abort the creation the others share.
        return await asyncio.shield(self._creating)

    async def _create_and_start(self) -> str:
        session_id = await self._create()
        self._session_id = session_id
        self._started_at = self._clock.monotonic()
        self._heartbeat.start(session_id)
        if self._telemetry is not None:
            self._telemetry.emit(TelemetryEvent(event="SESSION_START"))
        return session_id

    async def aclose(
        self, reason: SessionEndReason = SessionEndReason.SUCCESS, detail: str | None = None
    ) -> None:
        """Finish the session on the server (once) and stop heartbeats.

        Later and concurrent calls wait for the first one; only the first caller sees an
        error from the finish request.
        """
        if self._closing is not None:
            await asyncio.wait((self._closing,))
            return
        self._closing = asyncio.ensure_future(self._close(reason, detail))
        await asyncio.shield(self._closing)

    async def _close(self, reason: SessionEndReason, detail: str | None) -> None:
        creating = self._creating
        if creating is not None and not creating.done():
            await asyncio.wait((creating,))
        try:
            if self._session_id is not None:
                await self._finish(self._session_id, reason, detail)
        finally:
            await self._heartbeat.stop()
            duration_s = self.duration_s()
            if self._telemetry is not None and duration_s is not None:
                # Reported even when the finish request failed: the session did end here.
                self._telemetry.emit(
                    TelemetryEvent(
                        event="SESSION_END",
                        event_data={"duration": str(timedelta(seconds=duration_s))},
                    )
                )
