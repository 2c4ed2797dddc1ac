"""Future endpoints: ``retrieve_future`` (long poll), ``retrieve_futures`` and ``cancel_future``."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from tinkex.local.codec import Fields, decode_json
from tinkex.local.futures import wait_event
from tinkex.local.reply import JSON, PROTOBUF, HttpError, Reply, empty_reply, json_reply
from tinkex.local.router import Route, route

if TYPE_CHECKING:
    from tinkex.local.futures import FutureEntry
    from tinkex.local.state import Call, ServiceState

__all__ = ["PromiseHandlers"]

_MARGIN_S = 1.0
_CLONE_STRIDE = 1_000_000_000


def _of_clone(finished: list[tuple[int | None, FutureEntry]], clone: int) -> list[FutureEntry]:
    # Clone k of a sampling client numbers its requests from k * 1e9.
    return [entry for seq, entry in finished if (seq or 0) // _CLONE_STRIDE == clone]


class PromiseHandlers:
    """Handlers of the future endpoints.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("POST", "/api/v1/retrieve_future", self.retrieve),
            route("POST", "/api/v1/retrieve_futures", self.retrieve_many),
            route("POST", "/api/v1/cancel_future", self.cancel),
        ]

    def _wait_budget(self, call: Call) -> float:
        # Answer before the client's own read timeout fires (it sends it as a header).
        budget = self._s.config.poll_timeout_s
        hint = call.headers.get("x-stainless-read-timeout")
        if hint is not None:
            with contextlib.suppress(ValueError):
                budget = min(budget, float(hint) - _MARGIN_S)
        return max(budget, 0.0)

    async def retrieve(self, call: Call) -> Reply:
        """Long-poll one future; answer try_again, complete_metadata, the result or the error."""
        body = Fields(decode_json(call.body))
        request_id = body.req_str("request_id")
        entry = self._s.futures.get(request_id)
        if not await self._s.futures.wait(entry, self._wait_budget(call)):
            return json_reply(
                {"type": "try_again", "request_id": request_id, "queue_state": "active"}
            )
        if entry.result is None:
            return json_reply(
                {"error": entry.error or "request failed", "category": entry.category}
            )
        proto = None
        if not self._s.legacy and PROTOBUF in call.headers.get("accept", ""):
            proto = entry.result.to_proto()
        payload = proto if proto is not None else entry.result.to_json()
        if body.flag("allow_metadata_only", False) and (
            len(payload) > self._s.config.metadata_threshold_bytes
        ):
            return json_reply(
                {"status": "complete_metadata", "response_payload_size": len(payload)}
            )
        media = PROTOBUF if proto is not None else JSON
        return Reply(200, {"content-type": media}, payload)

    async def retrieve_many(self, call: Call) -> Reply:
        """``retrieve_futures``: long-poll the completions of one sampling session (clone).

        The cursor counts completions of the target in finish order; the answer lists those
        after ``prev_cursor``. ``timeout: 0`` answers at once, otherwise the poll waits for a
        completion up to the long-poll budget.
        """
        body = Fields(decode_json(call.body))
        target = body.sub("target")
        if target is None:
            raise HttpError(422, "body.target: field required")
        sampler_id = target.req_str("sampling_session_id")
        clone = target.req_int("cloned_sampler_id", 0)
        slot = self._s.samplers.get(sampler_id)
        if slot is None:
            raise HttpError(404, f"sampling session {sampler_id} not found")
        prev = body.req_int("prev_cursor", 0)
        budget = self._wait_budget(call)
        if body.has("timeout"):
            budget = min(budget, body.num("timeout", 0.0))
        done = _of_clone(slot.finished, clone)
        if len(done) <= prev and budget > 0:
            await wait_event(self._s.clock, slot.changed, budget)
            done = _of_clone(slot.finished, clone)
        completions = [self._completion(entry) for entry in done[prev:]]
        return json_reply({"completions": completions, "cursor": max(len(done), prev)})

    def _completion(self, entry: FutureEntry) -> dict[str, object]:
        if entry.result is None:
            return {"state": "failed", "request_id": entry.request_id}
        proto = None if self._s.legacy else entry.result.to_proto()
        size = len(proto if proto is not None else entry.result.to_json())
        return {
            "state": "finished",
            "request_id": entry.request_id,
            "response_payload_uncompressed_size": size,
        }

    async def cancel(self, call: Call) -> Reply:
        """``cancel_future``: fail a request that has not finished yet."""
        entry = self._s.futures.get(Fields(decode_json(call.body)).req_str("request_id"))
        if not entry.finished:
            self._s.futures.fail(entry, "request was cancelled", "user")
        return empty_reply()
