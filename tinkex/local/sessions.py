"""Session endpoints: create, heartbeat, finish, list/get, project, search, trace export."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tinkex.local.codec import Fields, decode_json
from tinkex.local.records import CheckpointRecord, SessionRecord, iso
from tinkex.local.reply import HttpError, Reply, empty_reply, json_reply
from tinkex.local.router import Route, route

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.local.state import Call, ServiceState

__all__ = ["SessionHandlers", "page"]

_FINISH_REASONS = ("success", "errored", "interrupted")


def page(query: Mapping[str, str], total: int, default_limit: int) -> tuple[int, int]:
    """Read ``limit``/``offset`` from the query, with the offset clamped to `total`.

    Raises:
        HttpError: 422 for non-integer or negative values.
    """
    try:
        limit = int(query.get("limit", default_limit))
        offset = int(query.get("offset", 0))
    except ValueError as exc:
        raise HttpError(422, "limit and offset must be integers") from exc
    if limit < 0 or offset < 0:
        raise HttpError(422, "limit and offset must not be negative")
    return limit, min(offset, total)


class SessionHandlers:
    """Handlers of the session area.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("POST", "/api/v1/create_session", self.create),
            route("POST", "/api/v1/session_heartbeat", self.heartbeat),
            route("POST", "/api/v1/sessions/{session_id}/finish", self.finish),
            route("POST", "/api/v1/sessions/search", self.search),
            route("GET", "/api/v1/sessions", self.list_sessions),
            route("GET", "/api/v1/sessions/{session_id}", self.get),
            route("PUT", "/api/v1/sessions/{session_id}/project", self.set_project),
            route("GET", "/api/v1/sessions/{session_id}/trace_export", self.trace_export),
        ]

    async def create(self, call: Call) -> Reply:
        """``create_session``: store tags, metadata, SDK version, project and display name."""
        body = Fields(decode_json(call.body))
        tags = [str(t) for t in body.items("tags")]
        record = SessionRecord(
            session_id=f"sess-{uuid.uuid4().hex[:16]}",
            created_at=self._s.clock.time(),
            tags=tags,
            user_metadata=body.mapping("user_metadata"),
            sdk_version=body.opt_str("sdk_version"),
            project_id=body.opt_str("project_id"),
            display_name=body.opt_str("display_name"),
        )
        self._s.store.index.sessions[record.session_id] = record
        self._s.store.save_index()
        self._s.liveness.beat(record.session_id)
        self._s.session_ordinals[record.session_id] = len(self._s.session_ordinals)
        return json_reply({"type": "create_session", "session_id": record.session_id})

    async def heartbeat(self, call: Call) -> Reply:
        """``session_heartbeat``: keep a session alive (410 once it ended or expired)."""
        session_id = Fields(decode_json(call.body)).req_str("session_id")
        self._s.session(session_id)
        self._s.liveness.beat(session_id)
        return json_reply({"type": "session_heartbeat"})

    async def finish(self, call: Call) -> Reply:
        """``sessions/{id}/finish``: end a session with a reason."""
        session_id = call.params["session_id"]
        record = self._s.store.index.sessions.get(session_id)
        if record is None:
            raise HttpError(404, f"session {session_id} not found")
        body = Fields(decode_json(call.body))
        reason = body.sub("reason")
        kind = reason.opt_str("type", "success") if reason is not None else "success"
        if kind not in _FINISH_REASONS:
            raise HttpError(422, f"body.reason.type: expected one of {_FINISH_REASONS}")
        if record.status == "active":
            self._s.liveness.forget(session_id)
            record.status = "finished"
            record.finish_reason = kind
            record.finish_detail = body.opt_str("detail")
            self._s.store.save_index()
        return json_reply({})

    async def list_sessions(self, call: Call) -> Reply:
        """``GET sessions``: ids, newest first, paginated."""
        ordered = sorted(
            self._s.store.index.sessions.values(), key=lambda r: r.created_at, reverse=True
        )
        limit, offset = page(call.query, len(ordered), 20)
        return json_reply({"sessions": [r.session_id for r in ordered[offset : offset + limit]]})

    async def get(self, call: Call) -> Reply:
        """``GET sessions/{id}``: its training runs and samplers."""
        record = self._s.store.index.sessions.get(call.params["session_id"])
        if record is None:
            raise HttpError(404, f"session {call.params['session_id']} not found")
        body: dict[str, object] = {
            "training_run_ids": list(record.training_run_ids),
            "sampler_ids": list(record.sampler_ids),
        }
        if not self._s.legacy:
            body["user_metadata"] = record.user_metadata
            body["display_name"] = record.display_name
        return json_reply(body)

    async def set_project(self, call: Call) -> Reply:
        """``PUT sessions/{id}/project``."""
        record = self._s.store.index.sessions.get(call.params["session_id"])
        if record is None:
            raise HttpError(404, f"session {call.params['session_id']} not found")
        record.project_id = Fields(decode_json(call.body)).req_str("project_id")
        self._s.store.save_index()
        return empty_reply()

    async def trace_export(self, call: Call) -> Reply:
        """``trace_export``: the local backend records no traces, so the export fails."""
        if call.params["session_id"] not in self._s.store.index.sessions:
            raise HttpError(404, f"session {call.params['session_id']} not found")
        return json_reply({"status": "failed", "error": "trace export is not available locally"})

    async def search(self, call: Call) -> Reply:
        """``sessions/search``: filter by id, project, display name, metadata and status."""
        body = Fields(decode_json(call.body))
        limit = body.req_int("limit", 50)
        if not 1 <= limit <= 200:
            raise HttpError(422, "body.limit: must be between 1 and 200")
        found = [r for r in self._s.store.index.sessions.values() if _matches(r, body)]
        found.sort(key=lambda r: (r.created_at, r.session_id), reverse=True)
        cursor = body.sub("cursor")
        if cursor is not None:
            last_id = cursor.req_str("last_session_id")
            ids = [r.session_id for r in found]
            found = found[ids.index(last_id) + 1 :] if last_id in ids else []
        chunk = found[:limit]
        result: dict[str, object] = {"sessions": [self._summary(r) for r in chunk]}
        if len(found) > limit:
            last = chunk[-1]
            result["next_cursor"] = {
                "last_created_at": iso(last.created_at),
                "last_session_id": last.session_id,
            }
        return json_reply(result)

    def _summary(self, record: SessionRecord) -> dict[str, object]:
        runs = set(record.training_run_ids)
        found = [c for c in self._s.store.index.checkpoints.values() if c.run_id in runs]
        return _summary(record, found)


def _matches(record: SessionRecord, body: Fields) -> bool:
    if body.has("session_id") and record.session_id != body.req_str("session_id"):
        return False
    projects = body.items("project_ids")
    if projects and record.project_id not in projects:
        return False
    if body.has("display_name") and record.display_name != body.req_str("display_name"):
        return False
    wanted = body.mapping("user_metadata") or {}
    have = record.user_metadata or {}
    if any(have.get(k) != v for k, v in wanted.items()):
        return False
    statuses = [Fields(s, "body.statuses[]").opt_str("type") for s in body.items("statuses")]
    status = "client_finished" if record.status == "finished" else record.status
    status = "cancelled" if status == "expired" else status
    return not statuses or status in statuses


def _summary(record: SessionRecord, checkpoints: list[CheckpointRecord]) -> dict[str, object]:
    status: dict[str, object] = {"type": "active"}
    if record.status == "finished":
        status = {"type": "client_finished", "reason": record.finish_reason or "success"}
        if record.finish_detail is not None:
            status["detail"] = record.finish_detail
    elif record.status == "expired":
        status = {"type": "cancelled", "detail": "no heartbeat"}
    return {
        "session_id": record.session_id,
        "created_at": iso(record.created_at),
        "owner": "local",
        "project_id": record.project_id,
        "status": status,
        "checkpoints_count": len(checkpoints),
        "checkpoint_storage_bytes": sum(c.size_bytes for c in checkpoints),
        "display_name": record.display_name,
        "user_metadata": record.user_metadata,
    }
