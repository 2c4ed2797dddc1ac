"""The domain hooks behind `RestClient`'s generated methods and flows (``clients.rest``).

The checks every REST flow runs on its arguments before the request (ids, scopes, pages,
``tinker://`` paths, TTLs) are re-exported from where they live; the rest is what takes more
than one request or more than a check: pagination, polling a trace export or an archive, the
idempotent copy, the organisation endpoints a server may lack, and reading the caller's JWT.
"""

from __future__ import annotations

import math
import uuid
from typing import TYPE_CHECKING

import msgspec

from tinkex import api
from tinkex.auth.jwt import whoami_from_jwt
from tinkex.clients.pagination import Page, iter_offset_pages, require_count, validate_page_args
from tinkex.clients.rest_archive import fetch_archive_url
from tinkex.clients.rest_checks import (
    check_access_scope,
    check_billing_window,
    check_day,
    check_id,
    check_optional_text,
)
from tinkex.domain.paths import parse_checkpoint_id, parse_tinker_path, require_kind
from tinkex.domain.ttl import validate_ttl
from tinkex.domain.types import CopyWeightsRequest, SessionSearchRequest
from tinkex.errors import (
    FutureTimeoutError,
    NotFoundError,
    RequestFailedError,
    UnsupportedByServerError,
    ValidationError,
)
from tinkex.redaction import remember_secret

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable
    from datetime import date, datetime
    from typing import Literal, TypeVar

    from tinkex.clients.generated.rest import RestClient
    from tinkex.clients.rest_checks import AccessScope
    from tinkex.domain.types import (
        AuditLogResponse,
        BillingUsageResponse,
        Checkpoint,
        CurrentCheckpointStorageUsageResponse,
        SessionSearchResponse,
        SessionSummary,
        TrainingRun,
        WhoamiResponse,
    )
    from tinkex.ports.endpoint import Invoker

    T = TypeVar("T")

__all__ = [
    "TRACE_POLL_INTERVAL_S",
    "WEIGHTS_ACCESS_TOKEN_HEADER",
    "check_access_scope",
    "check_id",
    "check_optional_text",
    "check_search_request",
    "copy_weights",
    "decode_identity_jwt",
    "export_session_trace",
    "fetch_archive_url",
    "get_audit_log",
    "get_billing_usage",
    "get_current_checkpoint_storage_usage",
    "iter_search_sessions",
    "iter_sessions",
    "iter_training_runs",
    "iter_user_checkpoints",
    "parse_checkpoint_id",
    "parse_tinker_path",
    "require_kind",
    "validate_page_args",
    "validate_ttl",
]

TRACE_POLL_INTERVAL_S = 5.0
"""Seconds between two polls of a pending trace export (as the official client)."""
WEIGHTS_ACCESS_TOKEN_HEADER = "X-Tinker-Weights-Access-Token"
"""Header carrying the token that grants read access to another account's weights."""
_IDEMPOTENCY_HEADER = "X-Idempotency-Key"
_SEARCH_MAX_LIMIT = 200


# -- pagination --------------------------------------------------------------------------------


def iter_training_runs(
    client: RestClient,
    page_size: int,
    access_scope: AccessScope,
    project_id: str | None,
    max_items: int | None,
) -> AsyncIterator[TrainingRun]:
    """Every training run (newest first), `page_size` per request."""
    scope = check_access_scope(access_scope)
    project = check_optional_text(project_id, "project_id")

    async def fetch(limit: int, offset: int) -> Page[TrainingRun]:
        page = await client.list_training_runs(limit, offset, scope, project)
        return Page(items=page.training_runs, total_count=page.cursor.total_count)

    return iter_offset_pages(fetch, page_size=page_size, max_items=max_items)


def iter_user_checkpoints(
    client: RestClient, page_size: int, max_items: int | None
) -> AsyncIterator[Checkpoint]:
    """Every checkpoint of the user, newest first."""

    async def fetch(limit: int, offset: int) -> Page[Checkpoint]:
        page = await client.list_user_checkpoints(limit, offset)
        total = page.cursor.total_count if page.cursor is not None else None
        return Page(items=page.checkpoints, total_count=total)

    return iter_offset_pages(fetch, page_size=page_size, max_items=max_items)


def iter_sessions(
    client: RestClient, page_size: int, access_scope: AccessScope, max_items: int | None
) -> AsyncIterator[str]:
    """Every session id, `page_size` per request."""
    scope = check_access_scope(access_scope)

    async def fetch(limit: int, offset: int) -> Page[str]:
        page = await client.list_sessions(limit, offset, scope)
        total = page.cursor.total_count if page.cursor is not None else None
        return Page(items=page.sessions, total_count=total)

    return iter_offset_pages(fetch, page_size=page_size, max_items=max_items)


def check_search_request(request: SessionSearchRequest) -> SessionSearchRequest:
    """A session search request with a page size the server accepts (1 to 200)."""
    value: object = request
    if not isinstance(value, SessionSearchRequest):
        raise ValidationError("must be a SessionSearchRequest", field="request")
    if not 1 <= request.limit <= _SEARCH_MAX_LIMIT:
        raise ValidationError(f"must be between 1 and {_SEARCH_MAX_LIMIT}", field="request.limit")
    return request


async def iter_search_sessions(
    client: RestClient, request: SessionSearchRequest, max_pages: int
) -> AsyncIterator[SessionSummary]:
    """Every search hit, following ``next_cursor`` (at most `max_pages` pages)."""
    require_count(max_pages, "max_pages", minimum=1)
    for _ in range(max_pages):
        page = await client.search_sessions(request)
        for summary in page.sessions:
            yield summary
        if page.next_cursor is None or not page.sessions:
            return
        request = _with_cursor(request, page)


def _with_cursor(
    request: SessionSearchRequest, page: SessionSearchResponse
) -> SessionSearchRequest:
    return msgspec.structs.replace(request, cursor=page.next_cursor)


# -- requests that take more than one call -------------------------------------------------------


async def export_session_trace(client: RestClient, session_id: str, timeout_s: float) -> str:
    """Export a session's trace and return its download URL, polling every 5 s meanwhile.

    Raises `RequestFailedError` when the server reports the export failed,
    `FutureTimeoutError` when it is still pending after `timeout_s`, `ValidationError` for a
    bad `session_id` or `timeout_s` (a positive, finite number).
    """
    check_id(session_id, "session_id")
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
        raise ValidationError(
            f"must be a number of seconds, got {type(timeout_s).__name__}", field="timeout_s"
        )
    if not (math.isfinite(timeout_s) and timeout_s > 0):
        raise ValidationError(f"must be positive and finite, got {timeout_s!r}", field="timeout_s")
    clock = client._clock
    deadline = clock.monotonic() + timeout_s
    while True:
        state = await api.rest.export_session_trace(client._invoker, session_id=session_id)
        if state.status == "ready" and state.url:
            return state.url
        if state.status == "failed" or state.status == "ready":
            raise RequestFailedError(
                f"trace export of session {session_id} failed: "
                f"{state.error or 'the server gave no URL'}",
                request_id=session_id,
                request_type="ExportSessionTrace",
            )
        if clock.monotonic() + TRACE_POLL_INTERVAL_S > deadline:
            raise FutureTimeoutError(
                request_id=session_id,
                request_type="ExportSessionTrace",
                timeout_s=timeout_s,
                last_queue_state=state.status,
                seconds_since_last_response=0.0,
            )
        await clock.sleep(TRACE_POLL_INTERVAL_S)


async def copy_weights(
    client: RestClient,
    path: str,
    destination_project_id: str | None,
    ttl_seconds: int | None,
    weights_access_token: str | None,
) -> str:
    """Copy a checkpoint into a project; the copy's ``tinker://`` path.

    The destination defaults to ``TINKER_PROJECT_ID`` as it was when the client was built;
    `weights_access_token` grants read access to weights of another account (sent as a
    header, never logged). `ValidationError`: a bad path or TTL, or no destination anywhere.
    """
    source = parse_tinker_path(path, field="path")
    project = check_optional_text(destination_project_id, "destination_project_id")
    project = project or client._default_project_id
    if project is None:
        raise ValidationError(
            "pass destination_project_id or set TINKER_PROJECT_ID", field="destination_project_id"
        )
    request = CopyWeightsRequest(
        source_path=str(source),
        destination_project_id=project,
        ttl_seconds=validate_ttl(ttl_seconds),
    )
    # One key for the whole logical call, so that the outer retry layer replays it too.
    headers = {_IDEMPOTENCY_HEADER: f"tinkex-copy-{uuid.uuid4().hex}"}
    if weights_access_token is not None:
        headers[WEIGHTS_ACCESS_TOKEN_HEADER] = _token(weights_access_token)
    response = await api.weights.copy(client._invoker, request, headers=headers)
    return response.tinker_path


def _token(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string", field="weights_access_token")
    remember_secret(value)  # masked in any error or log that might echo it
    return value


async def decode_identity_jwt(invoker: Invoker) -> WhoamiResponse:
    """The caller, read from the session's JWT (no request).

    Raises `UnsupportedByServerError` when no JWT names the caller: the server did not turn on
    JWT auth (``pjwt_auth_enabled``) and the key is not a passport-issued JWT.
    """
    source = getattr(invoker, "identity_jwt", None)
    token = await source() if callable(source) else None
    if not isinstance(token, str):
        raise UnsupportedByServerError(
            "whoami reads the caller from a JWT: this server did not enable JWT auth "
            "(pjwt_auth_enabled) and the API key is not a passport-issued JWT"
        )
    return whoami_from_jwt(token)


# -- organisation endpoints (404: the server has none) ----------------------------------------


async def get_audit_log(
    client: RestClient,
    event_type: Literal["all", "checkpoints", "projects", "teams", "organizations"],
    day: str | date | None,
) -> AuditLogResponse:
    """Organisation audit entries, optionally of one UTC day."""
    if event_type not in ("all", "checkpoints", "projects", "teams", "organizations"):
        raise ValidationError(f"unknown event type {event_type!r}", field="event_type")
    call = api.admin.audit_log(client._invoker, event_type=event_type, day=check_day(day))
    return await _admin(call, "the audit log")


async def get_billing_usage(
    client: RestClient, starting_on: datetime | str, ending_before: datetime | str
) -> BillingUsageResponse:
    """Hourly billing buckets in ``[starting_on, ending_before)`` (hour-aligned, <= 14 days)."""
    start, end = check_billing_window(starting_on, ending_before)
    call = api.admin.billing_usage(client._invoker, starting_on=start, ending_before=end)
    return await _admin(call, "billing usage")


async def get_current_checkpoint_storage_usage(
    client: RestClient, project_id: str | None
) -> CurrentCheckpointStorageUsageResponse:
    """Current checkpoint storage per project and owner."""
    call = api.admin.checkpoint_storage_usage(
        client._invoker, project_id=check_optional_text(project_id, "project_id")
    )
    return await _admin(call, "checkpoint storage usage")


async def _admin(call: Awaitable[T], what: str) -> T:
    # These endpoints take no resource id, so a 404 means the server lacks the endpoint.
    try:
        return await call
    except NotFoundError as exc:
        raise UnsupportedByServerError(f"this server does not offer {what} (404)") from exc
