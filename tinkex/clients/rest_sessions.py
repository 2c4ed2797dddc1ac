"""Session, sampler and organisation (audit/billing) calls of the REST client.

`SessionsRestApi` is the base of `tinkex.clients.rest.RestClient`: it holds the ports (the
invoker, the clock), the one environment default it needs, and the session-side methods, so
that each module stays one screenful of one API area.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

import msgspec

from tinkex import api
from tinkex.adapters.clock import SystemClock
from tinkex.clients.pagination import Page, iter_offset_pages, require_count, validate_page_args
from tinkex.clients.rest_checks import (
    AccessScope,
    check_access_scope,
    check_billing_window,
    check_day,
    check_id,
    check_optional_text,
)
from tinkex.domain.types import AssignSessionProjectRequest, SessionSearchRequest
from tinkex.errors import (
    FutureTimeoutError,
    NotFoundError,
    RequestFailedError,
    UnsupportedByServerError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Mapping
    from datetime import date, datetime
    from typing import Literal, TypeVar

    from tinkex.domain.types import (
        AuditLogResponse,
        BillingUsageResponse,
        CurrentCheckpointStorageUsageResponse,
        GetSamplerResponse,
        GetSessionResponse,
        ListSessionsResponse,
        SessionSearchResponse,
        SessionSummary,
    )
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import Invoker

    T = TypeVar("T")

__all__ = ["TRACE_POLL_INTERVAL_S", "SessionsRestApi"]

TRACE_POLL_INTERVAL_S = 5.0
"""Seconds between two polls of a pending trace export (as the official client)."""

_SEARCH_MAX_LIMIT = 200


class SessionsRestApi:
    """Sessions, samplers, audit log and billing; the base of `RestClient`.

    Args:
        invoker: Runs endpoint calls through the request pipeline.
        clock: Time source for polling (default: the real clock).
        env: Environment read once, here, for ``TINKER_PROJECT_ID`` (default
            ``os.environ``); only that value is kept, never the mapping, which may hold
            credentials.
    """

    def __init__(
        self,
        invoker: Invoker,
        *,
        clock: Clock | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._invoker = invoker
        self._clock: Clock = clock if clock is not None else SystemClock()
        source = os.environ if env is None else env
        self._default_project_id: str | None = source.get("TINKER_PROJECT_ID") or None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(invoker={self._invoker!r})"

    @property
    def clock(self) -> Clock:
        """The time source used for polling and expiry checks."""
        return self._clock

    async def get_session(
        self, session_id: str, access_scope: AccessScope = "owned"
    ) -> GetSessionResponse:
        """Describe a session: its training run ids and sampler ids."""
        return await api.rest.get_session(
            self._invoker,
            session_id=check_id(session_id, "session_id"),
            access_scope=check_access_scope(access_scope),
        )

    async def list_sessions(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned"
    ) -> ListSessionsResponse:
        """List session ids, one page (see `iter_sessions` for all of them)."""
        validate_page_args(limit, offset)
        return await api.rest.list_sessions(
            self._invoker, limit=limit, offset=offset, access_scope=check_access_scope(access_scope)
        )

    def iter_sessions(
        self,
        page_size: int = 100,
        *,
        access_scope: AccessScope = "owned",
        max_items: int | None = None,
    ) -> AsyncIterator[str]:
        """Iterate over every session id, fetching `page_size` per request.

        Raises:
            ValidationError: A bad page size or scope (raised on the first iteration).
        """
        scope = check_access_scope(access_scope)

        async def fetch(limit: int, offset: int) -> Page[str]:
            page = await self.list_sessions(limit, offset, scope)
            total = page.cursor.total_count if page.cursor is not None else None
            return Page(items=page.sessions, total_count=total)

        return iter_offset_pages(fetch, page_size=page_size, max_items=max_items)

    async def assign_session_project(self, session_id: str, project_id: str) -> None:
        """Move a session (and its runs) into another project."""
        request = AssignSessionProjectRequest(project_id=check_id(project_id, "project_id"))
        await api.rest.assign_session_project(
            self._invoker, request, session_id=check_id(session_id, "session_id")
        )

    async def export_session_trace(self, session_id: str, *, timeout_s: float = 3600.0) -> str:
        """Export a session's trace and return its download URL.

        Polls every 5 s (on the injected clock) while the export is pending.

        Raises:
            RequestFailedError: The server reports that the export failed.
            FutureTimeoutError: Still pending after `timeout_s`.
            ValidationError: `session_id` or `timeout_s` (a positive, finite number) is wrong.
        """
        check_id(session_id, "session_id")
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
            raise ValidationError(
                f"must be a number of seconds, got {type(timeout_s).__name__}", field="timeout_s"
            )
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise ValidationError(
                f"must be positive and finite, got {timeout_s!r}", field="timeout_s"
            )
        deadline = self._clock.monotonic() + timeout_s
        while True:
            state = await api.rest.export_session_trace(self._invoker, session_id=session_id)
            if state.status == "ready" and state.url:
                return state.url
            if state.status == "failed" or state.status == "ready":
                raise RequestFailedError(
                    f"trace export of session {session_id} failed: "
                    f"{state.error or 'the server gave no URL'}",
                    request_id=session_id,
                    request_type="ExportSessionTrace",
                )
            if self._clock.monotonic() + TRACE_POLL_INTERVAL_S > deadline:
                raise FutureTimeoutError(
                    request_id=session_id,
                    request_type="ExportSessionTrace",
                    timeout_s=timeout_s,
                    last_queue_state=state.status,
                    seconds_since_last_response=0.0,
                )
            await self._clock.sleep(TRACE_POLL_INTERVAL_S)

    async def search_sessions(self, request: SessionSearchRequest) -> SessionSearchResponse:
        """Search sessions (experimental on the server); page on with ``next_cursor``."""
        if not isinstance(request, SessionSearchRequest):
            raise ValidationError("must be a SessionSearchRequest", field="request")
        if not 1 <= request.limit <= _SEARCH_MAX_LIMIT:
            raise ValidationError(
                f"must be between 1 and {_SEARCH_MAX_LIMIT}", field="request.limit"
            )
        return await api.rest.search_sessions(self._invoker, request)

    async def iter_search_sessions(
        self, request: SessionSearchRequest, *, max_pages: int = 1000
    ) -> AsyncIterator[SessionSummary]:
        """Iterate over every search hit, following ``next_cursor`` (at most `max_pages`).

        Raises:
            ValidationError: `max_pages` is not an int of at least 1.
        """
        require_count(max_pages, "max_pages", minimum=1)
        for _ in range(max_pages):
            page = await self.search_sessions(request)
            for summary in page.sessions:
                yield summary
            if page.next_cursor is None or not page.sessions:
                return
            request = _with_cursor(request, page)

    async def get_sampler(self, sampler_id: str) -> GetSamplerResponse:
        """Describe a sampler: its base model and the weights it serves."""
        return await api.rest.get_sampler(
            self._invoker, sampler_id=check_id(sampler_id, "sampler_id")
        )

    async def get_audit_log(
        self,
        event_type: Literal["all", "checkpoints", "projects", "teams", "organizations"] = "all",
        day: str | date | None = None,
    ) -> AuditLogResponse:
        """Organisation audit entries, optionally of one UTC day.

        Raises:
            UnsupportedByServerError: The server has no audit log (it answered 404).
        """
        if event_type not in ("all", "checkpoints", "projects", "teams", "organizations"):
            raise ValidationError(f"unknown event type {event_type!r}", field="event_type")
        call = api.admin.audit_log(self._invoker, event_type=event_type, day=check_day(day))
        return await _admin(call, "the audit log")

    async def get_billing_usage(
        self, starting_on: datetime | str, ending_before: datetime | str
    ) -> BillingUsageResponse:
        """Hourly billing buckets in ``[starting_on, ending_before)`` (hour-aligned, <= 14 days).

        Raises:
            UnsupportedByServerError: The server has no billing API (it answered 404).
        """
        start, end = check_billing_window(starting_on, ending_before)
        call = api.admin.billing_usage(self._invoker, starting_on=start, ending_before=end)
        return await _admin(call, "billing usage")

    async def get_current_checkpoint_storage_usage(
        self, project_id: str | None = None
    ) -> CurrentCheckpointStorageUsageResponse:
        """Current checkpoint storage per project and owner.

        Raises:
            UnsupportedByServerError: The server has no billing API (it answered 404).
        """
        call = api.admin.checkpoint_storage_usage(
            self._invoker, project_id=check_optional_text(project_id, "project_id")
        )
        return await _admin(call, "checkpoint storage usage")


async def _admin(call: Awaitable[T], what: str) -> T:
    # These endpoints take no resource id, so a 404 means the server lacks the endpoint.
    try:
        return await call
    except NotFoundError as exc:
        raise UnsupportedByServerError(f"this server does not offer {what} (404)") from exc


def _with_cursor(
    request: SessionSearchRequest, page: SessionSearchResponse
) -> SessionSearchRequest:
    return msgspec.structs.replace(request, cursor=page.next_cursor)
