"""Save endpoints: training state, sampler weights (named or ephemeral) and external exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.local.checks import read_seq_id
from tinkex.local.codec import Fields, decode_json
from tinkex.local.records import SamplerRecord
from tinkex.local.reply import Reply, UserError
from tinkex.local.results import JsonResult
from tinkex.local.router import Route, route
from tinkex.local.state import SamplerSlot
from tinkex.local.store import check_name, check_ttl
from tinkex.local.training import engine_of, submit

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.local.results import FutureResult
    from tinkex.local.state import Call, ModelSlot, ServiceState

__all__ = ["CheckpointHandlers"]


def _metadata(body: Fields) -> dict[str, str] | None:
    raw = body.mapping("user_metadata")
    return None if raw is None else {k: str(v) for k, v in raw.items()}


def _ttl(body: Fields) -> int | None:
    ttl = body.opt_int("ttl_seconds")
    try:
        check_ttl(ttl)
    except UserError as exc:
        raise exc.to_http() from exc
    return ttl


def _name(body: Fields, slot: ModelSlot, seq_id: int | None) -> str:
    name = body.opt_str("path") or f"step-{seq_id if seq_id is not None else 0:06d}"
    try:
        check_name(name)
    except UserError as exc:
        raise exc.to_http() from exc
    return name


class CheckpointHandlers:
    """Handlers of the save endpoints.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("POST", "/api/v1/save_weights", self.save_weights),
            route("POST", "/api/v1/save_weights_for_sampler", self.save_for_sampler),
            route("POST", "/api/v1/save_weights_external", self.save_external),
        ]

    async def save_weights(self, call: Call) -> Reply:
        """``save_weights``: adapters plus optimizer state under ``weights/<name>``."""
        body = Fields(decode_json(call.body))
        slot = self._s.model(body.req_str("model_id"))
        seq_id, ttl = read_seq_id(body), _ttl(body)
        name, metadata = _name(body, slot, seq_id), _metadata(body)
        overwrite = body.flag("overwrite", False)

        async def work() -> FutureResult:
            engine = engine_of(slot)
            blob = await self._s.blocking(engine.state_bytes, include_optimizer=True)
            record = self._s.store.write(
                slot.run.run_id,
                "weights",
                name,
                {"state.bin": blob},
                ttl_s=ttl,
                user_metadata=metadata,
                overwrite=overwrite,
            )
            return JsonResult({"path": record.tinker_path, "type": "save_weights"})

        return submit(self._s, slot, seq_id, "SaveWeights", work)

    async def save_for_sampler(self, call: Call) -> Reply:
        """``save_weights_for_sampler``: a named sampler checkpoint, or an ephemeral sampler."""
        body = Fields(decode_json(call.body))
        slot = self._s.model(body.req_str("model_id"))
        seq_id, ttl = read_seq_id(body), _ttl(body)
        ephemeral = read_seq_id(body, "sampling_session_seq_id")
        if ephemeral is not None and not body.has("path"):
            snapshot = self._ephemeral(slot, ephemeral)
            return submit(self._s, slot, seq_id, "SaveWeightsForSampler", snapshot)
        name, metadata = _name(body, slot, seq_id), _metadata(body)

        async def work() -> FutureResult:
            engine = engine_of(slot)
            blob = await self._s.blocking(engine.state_bytes, include_optimizer=False)
            record = self._s.store.write(
                slot.run.run_id,
                "sampler_weights",
                name,
                {"state.bin": blob},
                ttl_s=ttl,
                user_metadata=metadata,
            )
            return JsonResult({"path": record.tinker_path, "type": "save_weights_for_sampler"})

        return submit(self._s, slot, seq_id, "SaveWeightsForSampler", work)

    def _ephemeral(
        self, slot: ModelSlot, sampling_seq: int
    ) -> Callable[[], Awaitable[FutureResult]]:
        session_id = slot.run.session_id
        sampler_id = f"{session_id}:sample:{sampling_seq}"

        async def work() -> FutureResult:
            engine = engine_of(slot)
            blob = await self._s.blocking(engine.state_bytes, include_optimizer=False)
            snapshot = await self._s.blocking(
                self._s.factory.load, blob, load_optimizer=False, override_base_model=None
            )
            record = SamplerRecord(
                sampler_id=sampler_id, session_id=session_id, base_model=slot.run.base_model
            )
            self._s.samplers[sampler_id] = SamplerSlot(record, snapshot)
            self._s.store.index.samplers[sampler_id] = record
            session = self._s.store.index.sessions.get(session_id)
            if session is not None and sampler_id not in session.sampler_ids:
                session.sampler_ids.append(sampler_id)
            self._s.store.save_index()
            return JsonResult(
                {"sampling_session_id": sampler_id, "type": "save_weights_for_sampler"}
            )

        return work

    async def save_external(self, call: Call) -> Reply:
        """``save_weights_external``: PEFT-style files under ``external_weights/<name>``."""
        body = Fields(decode_json(call.body))
        slot = self._s.model(body.req_str("model_id"))
        seq_id, ttl = read_seq_id(body), _ttl(body)
        name = _name(body, slot, seq_id)
        recipients = body.items("age_encryption_recipients")

        async def work() -> FutureResult:
            if recipients:
                raise UserError("age encryption of exports is not supported by the local backend")
            files = await self._s.blocking(engine_of(slot).export_peft)
            record = self._s.store.write(
                slot.run.run_id, "external_weights", name, files, ttl_s=ttl, user_metadata=None
            )
            return JsonResult(
                {
                    "path": record.tinker_path,
                    "size_bytes": record.size_bytes,
                    "type": "save_weights_external",
                }
            )

        return submit(self._s, slot, seq_id, "SaveWeightsExternal", work)
