# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``sessions`` group."""

from datetime import datetime
from typing import Any, Literal, TypeAlias

from tinkex.domain.types._base import Wire, always
from tinkex.domain.types.common import Cursor

__all__ = [
    "AssignSessionProjectRequest",
    "ClientSessionFinishErrored",
    "ClientSessionFinishInterrupted",
    "ClientSessionFinishReason",
    "ClientSessionFinishSuccess",
    "ClientSessionFinished",
    "CreateSessionRequest",
    "CreateSessionResponse",
    "FinishSessionRequest",
    "GetSessionResponse",
    "ListSessionsResponse",
    "SearchOwner",
    "SearchOwnerAccessible",
    "SearchOwnerOwn",
    "SearchOwnerUsers",
    "SessionActive",
    "SessionCancelled",
    "SessionFailed",
    "SessionFailedReason",
    "SessionFailedRequestReason",
    "SessionFailedSamplingSessionReason",
    "SessionFailedTrainingRunReason",
    "SessionHeartbeatRequest",
    "SessionHeartbeatResponse",
    "SessionSearchCursor",
    "SessionSearchRequest",
    "SessionSearchResponse",
    "SessionStatus",
    "SessionStatusQuery",
    "SessionSummary",
    "StatusQueryActive",
    "StatusQueryCancelled",
    "StatusQueryClientFinished",
    "StatusQueryFailed",
    "TraceExportResponse",
]


class CreateSessionRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="create_session"):
    """Create a session; user_metadata is always sent ({} when none)."""

    tags: list[str]
    user_metadata: dict[str, Any] | None
    sdk_version: str
    project_id: str | None = None
    display_name: str | None = None


class CreateSessionResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="create_session",
):
    """The new session and messages to log."""

    session_id: str
    info_message: str | None = None
    warning_message: str | None = None
    error_message: str | None = None


class SessionHeartbeatRequest(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="session_heartbeat",
):
    """Keep a session alive."""

    session_id: str


class SessionHeartbeatResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="session_heartbeat",
):
    """Heartbeat acknowledged."""


class ClientSessionFinishSuccess(Wire, frozen=True, kw_only=True, tag_field="type", tag="success"):
    """The client finished normally."""


class ClientSessionFinishErrored(Wire, frozen=True, kw_only=True, tag_field="type", tag="errored"):
    """The client finished with an error."""


class ClientSessionFinishInterrupted(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="interrupted",
):
    """The client was interrupted."""


ClientSessionFinishReason: TypeAlias = (
    ClientSessionFinishSuccess | ClientSessionFinishErrored | ClientSessionFinishInterrupted
)
"""Why the client finished."""


class FinishSessionRequest(Wire, frozen=True, kw_only=True):
    """Finish a session; detail is sent even when null."""

    reason: ClientSessionFinishReason
    detail: str | None = always(None)


class ListSessionsResponse(Wire, frozen=True, kw_only=True):
    """Session ids."""

    sessions: list[str]
    cursor: Cursor | None = None


class GetSessionResponse(Wire, frozen=True, kw_only=True):
    """A session's training runs and samplers."""

    training_run_ids: list[str]
    sampler_ids: list[str]
    user_metadata: dict[str, str] | None = None
    display_name: str | None = None


class AssignSessionProjectRequest(Wire, frozen=True, kw_only=True):
    """Move a session to a project."""

    project_id: str


class TraceExportResponse(Wire, frozen=True, kw_only=True):
    """State of a trace export."""

    status: Literal["pending", "ready", "failed"]
    url: str | None = None
    error: str | None = None


class SearchOwnerOwn(Wire, frozen=True, kw_only=True, tag_field="type", tag="own"):
    """Sessions the caller owns."""


class SearchOwnerAccessible(Wire, frozen=True, kw_only=True, tag_field="type", tag="accessible"):
    """Sessions the caller can access."""


class SearchOwnerUsers(Wire, frozen=True, kw_only=True, tag_field="type", tag="user"):
    """Sessions owned by these users (1..10 URNs)."""

    owner_urns: list[str]


SearchOwner: TypeAlias = SearchOwnerOwn | SearchOwnerAccessible | SearchOwnerUsers
"""Whose sessions to search."""


class StatusQueryActive(Wire, frozen=True, kw_only=True, tag_field="type", tag="active"):
    """Match running sessions."""


class StatusQueryCancelled(Wire, frozen=True, kw_only=True, tag_field="type", tag="cancelled"):
    """Match cancelled sessions."""


class StatusQueryFailed(Wire, frozen=True, kw_only=True, tag_field="type", tag="failed"):
    """Match failed sessions."""


class StatusQueryClientFinished(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="client_finished",
):
    """Match sessions their client finished, optionally by reason."""

    reasons: list[Literal["success", "errored", "interrupted"]] | None = None


SessionStatusQuery: TypeAlias = (
    StatusQueryActive | StatusQueryCancelled | StatusQueryFailed | StatusQueryClientFinished
)
"""A status filter."""


class SessionSearchCursor(Wire, frozen=True, kw_only=True):
    """Opaque search position."""

    last_created_at: datetime
    last_session_id: str


class SessionSearchRequest(Wire, frozen=True, kw_only=True):
    """Search sessions."""

    session_id: str | None = None
    project_ids: list[str] | None = None
    user_metadata: dict[str, str] = always({})
    display_name: str | None = None
    owner: SearchOwner = always(SearchOwnerOwn())
    statuses: list[SessionStatusQuery] | None = None
    limit: int = always(50)
    cursor: SessionSearchCursor | None = None


class SessionActive(Wire, frozen=True, kw_only=True, tag_field="type", tag="active"):
    """The session is running."""


class SessionCancelled(Wire, frozen=True, kw_only=True, tag_field="type", tag="cancelled"):
    """The session was cancelled."""

    detail: str | None = None


class SessionFailedRequestReason(Wire, frozen=True, kw_only=True, tag_field="type", tag="request"):
    """A request failed the session."""

    request_id: str
    request_type: str


class SessionFailedTrainingRunReason(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="training_run",
):
    """A training run failed the session."""

    training_run_id: str


class SessionFailedSamplingSessionReason(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="sampling_session",
):
    """A sampling session failed the session."""

    sampling_session_id: str


SessionFailedReason: TypeAlias = (
    SessionFailedRequestReason | SessionFailedTrainingRunReason | SessionFailedSamplingSessionReason
)
"""What failed the session."""


class SessionFailed(Wire, frozen=True, kw_only=True, tag_field="type", tag="failed"):
    """The session failed."""

    category: Literal["user", "internal"]
    reason: SessionFailedReason
    message: str


class ClientSessionFinished(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="client_finished",
):
    """The session's client reported it was done."""

    reason: ClientSessionFinishReason
    detail: str | None = None


SessionStatus: TypeAlias = SessionFailed | SessionCancelled | ClientSessionFinished | SessionActive
"""A session's status."""


class SessionSummary(Wire, frozen=True, kw_only=True):
    """One search hit."""

    session_id: str
    created_at: datetime
    owner: str
    project_id: str
    status: SessionStatus | None = None
    checkpoints_count: int
    display_name: str | None = None
    user_metadata: dict[str, str] | None = None
    checkpoint_storage_bytes: int | None = None


class SessionSearchResponse(Wire, frozen=True, kw_only=True):
    """Search hits and the cursor of the next page."""

    sessions: list[SessionSummary]
    next_cursor: SessionSearchCursor | None = None
