"""The SessionManager port: a live server session with heartbeats."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

__all__ = ["SessionEndReason", "SessionManager"]


class SessionEndReason(StrEnum):
    """Why a session finished, as sent to `/sessions/{id}/finish`."""

    SUCCESS = "success"
    ERRORED = "errored"
    INTERRUPTED = "interrupted"


class SessionManager(Protocol):
    """Create the session on first use, keep it alive, finish it once; count its clients.

    `ensure_session` is safe to call concurrently (one creation is shared). `aclose` is
    idempotent; after it, `ensure_session` raises `ClosedError`.
    """

    async def ensure_session(self) -> str:
        """Return the session id, creating the session (and starting heartbeats) if needed."""
        ...

    async def aclose(
        self, reason: SessionEndReason = SessionEndReason.SUCCESS, detail: str | None = None
    ) -> None:
        """Finish the session on the server and stop heartbeats."""
        ...

    def next_model_seq_id(self) -> int:
        """Reserve the next training-client counter value of this session."""
        ...

    def next_sampling_session_seq_id(self) -> int:
        """Reserve the next sampling-client counter value (shared with ephemeral saves)."""
        ...
