"""REST endpoints: training runs, checkpoints, weights info, downloads, capabilities."""

from __future__ import annotations

import math
import re
import uuid
from email.utils import formatdate
from typing import TYPE_CHECKING
from urllib.parse import unquote

from tinkex.local.codec import Fields, decode_json
from tinkex.local.model import CONTEXT_LENGTH
from tinkex.local.records import CheckpointRecord, RunRecord, iso
from tinkex.local.reply import HttpError, Reply, UserError, empty_reply, json_reply
from tinkex.local.router import Handler, Route, route
from tinkex.local.sessions import page
from tinkex.local.signing import SIGNED_PREFIX, build_archive, ranged_reply

if TYPE_CHECKING:
    from tinkex.local.state import Call, ServiceState

__all__ = ["SUPPORTED_MODELS", "RestHandlers"]

SUPPORTED_MODELS = (
    "Qwen/Qwen3-8B",
    "Qwen/Qwen3-30B-A3B",
    "meta-llama/Llama-3.2-1B",
    "meta-llama/Llama-3.1-8B",
    "tinkex/tiny-byte-lm",
)
_CKPT = "/api/v1/training_runs/{run_id}/checkpoints/{segment}/{name}"
# A short checkpoint id (`<name>`, from a `tinker://<run>/<name>` path): one part that is not
# a segment name, so `…/checkpoints/sampler_weights/publish` stays the checkpoint "publish".
_SHORT_CKPT = (
    r"/api/v1/training_runs/(?P<run_id>[^/]+)/checkpoints/"
    r"(?P<name>(?!(?:weights|sampler_weights|external_weights)(?:/|\Z))[^/]+)"
)


def _short(method: str, suffix: str, handler: Handler) -> Route:
    return Route(method, re.compile(_SHORT_CKPT + suffix + r"\Z"), handler)


def _origin(call: Call) -> str:
    host = call.headers.get("host", "localhost")
    scheme = call.headers.get("x-forwarded-proto", "http")
    return f"{scheme}://{host}"


class RestHandlers:
    """Handlers of the REST area.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("GET", "/api/v1/healthz", self.healthz),
            route("GET", "/api/v1/get_server_capabilities", self.capabilities),
            route("GET", "/api/v1/training_runs", self.list_runs),
            route("GET", "/api/v1/training_runs/{run_id}", self.get_run),
            route("GET", "/api/v1/training_runs/{run_id}/checkpoints", self.run_checkpoints),
            _short("DELETE", "", self.delete_checkpoint),
            _short("POST", "/publish", self.publish),
            _short("DELETE", "/publish", self.unpublish),
            _short("PUT", "/ttl", self.set_ttl),
            _short("GET", "/external_weights_urls", self.external_urls),
            _short("GET", "/archive", self.archive),
            route("DELETE", _CKPT, self.delete_checkpoint),
            route("POST", _CKPT + "/publish", self.publish),
            route("DELETE", _CKPT + "/publish", self.unpublish),
            route("PUT", _CKPT + "/ttl", self.set_ttl),
            route("GET", _CKPT + "/external_weights_urls", self.external_urls),
            route("GET", _CKPT + "/archive", self.archive),
            route("GET", "/api/v1/checkpoints", self.user_checkpoints),
            route("POST", "/api/v1/weights_info", self.weights_info),
            route("POST", "/api/v1/copy_weights", self.copy_weights),
            route("GET", SIGNED_PREFIX + "{rest:path}", self.signed),
        ]

    async def healthz(self, call: Call) -> Reply:
        """``healthz``."""
        return json_reply({"status": "ok"})

    async def capabilities(self, call: Call) -> Reply:
        """``get_server_capabilities``: the names the local backend advertises."""
        models: list[dict[str, object]] = [{"model_name": name} for name in SUPPORTED_MODELS]
        if not self._s.legacy:
            for item in models:
                item.update(max_context_length=CONTEXT_LENGTH, trainable=True, sampleable=True)
        return json_reply({"supported_models": models})

    def _run_wire(self, run: RunRecord) -> dict[str, object]:
        checkpoints = self._s.store.checkpoints_of(run.run_id)
        training = [c for c in checkpoints if c.segment == "weights"]
        sampler = [c for c in checkpoints if c.segment == "sampler_weights"]
        legacy = self._s.legacy
        return {
            "training_run_id": run.run_id,
            "base_model": run.base_model,
            "model_owner": "local",
            "is_lora": True,
            "corrupted": False,
            "lora_rank": run.lora_rank,
            "last_request_time": iso(run.last_request_time),
            "last_checkpoint": training[-1].to_wire(legacy=legacy) if training else None,
            "last_sampler_checkpoint": sampler[-1].to_wire(legacy=legacy) if sampler else None,
            "user_metadata": run.user_metadata,
        }

    def _run(self, run_id: str) -> RunRecord:
        run = self._s.store.index.runs.get(unquote(run_id))
        if run is None:
            raise HttpError(404, f"training run {run_id} not found")
        return run

    async def list_runs(self, call: Call) -> Reply:
        """``GET training_runs``: newest first, ``limit``/``offset`` with a total count."""
        runs = sorted(self._s.store.index.runs.values(), key=lambda r: r.created_at, reverse=True)
        project = call.query.get("project_id")
        if project is not None:
            sessions = self._s.store.index.sessions
            runs = [
                r
                for r in runs
                if getattr(sessions.get(r.session_id), "project_id", None) == project
            ]
        limit, offset = page(call.query, len(runs), 20)
        return json_reply(
            {
                "training_runs": [self._run_wire(r) for r in runs[offset : offset + limit]],
                "cursor": {"offset": offset, "limit": limit, "total_count": len(runs)},
            }
        )

    async def get_run(self, call: Call) -> Reply:
        """``GET training_runs/{id}``."""
        return json_reply(self._run_wire(self._run(call.params["run_id"])))

    def _visible(self, records: list[CheckpointRecord]) -> list[dict[str, object]]:
        legacy = self._s.legacy
        # JSON-era clients only know training and sampler checkpoints.
        kept = [r for r in records if not (legacy and r.segment == "external_weights")]
        return [r.to_wire(legacy=legacy) for r in kept]

    async def run_checkpoints(self, call: Call) -> Reply:
        """``GET training_runs/{id}/checkpoints``: unpaginated."""
        run = self._run(call.params["run_id"])
        records = self._s.store.checkpoints_of(run.run_id)
        return json_reply({"checkpoints": self._visible(records), "cursor": None})

    async def user_checkpoints(self, call: Call) -> Reply:
        """``GET checkpoints``: every checkpoint, newest first, paginated."""
        self._s.store.sweep()
        records = sorted(
            self._s.store.index.checkpoints.values(), key=lambda r: r.created_at, reverse=True
        )
        limit, offset = page(call.query, len(records), 100)
        return json_reply(
            {
                "checkpoints": self._visible(records[offset : offset + limit]),
                "cursor": {"offset": offset, "limit": limit, "total_count": len(records)},
            }
        )

    def _checkpoint(self, call: Call) -> CheckpointRecord:
        p = call.params
        checkpoint_id = f"{p['segment']}/{p['name']}" if "segment" in p else p["name"]
        path = f"tinker://{unquote(p['run_id'])}/{unquote(checkpoint_id)}"
        try:
            return self._s.store.get(path)
        except UserError as exc:
            raise exc.to_http() from exc

    async def delete_checkpoint(self, call: Call) -> Reply:
        """``DELETE …/checkpoints/{segment}/{name}``."""
        self._s.store.delete(self._checkpoint(call))
        return empty_reply()

    async def publish(self, call: Call) -> Reply:
        """``POST …/publish``: 409 when already public."""
        return self._set_public(call, True)

    async def unpublish(self, call: Call) -> Reply:
        """``DELETE …/publish``: 409 when already private."""
        return self._set_public(call, False)

    def _set_public(self, call: Call, public: bool) -> Reply:
        try:
            self._s.store.set_public(self._checkpoint(call), public)
        except UserError as exc:
            raise exc.to_http() from exc
        return empty_reply()

    async def set_ttl(self, call: Call) -> Reply:
        """``PUT …/ttl``: 3600 s … 10 years, or null for no expiry (else 400)."""
        record = self._checkpoint(call)
        try:
            self._s.store.set_ttl(record, Fields(decode_json(call.body)).opt_int("ttl_seconds"))
        except UserError as exc:
            raise exc.to_http() from exc
        return empty_reply()

    def _expiry(self) -> int:
        return math.ceil(self._s.clock.time()) + self._s.config.signed_url_ttl_s

    async def external_urls(self, call: Call) -> Reply:
        """``GET …/external_weights_urls``: one signed URL per exported file."""
        record = self._checkpoint(call)
        if record.segment != "external_weights":
            raise HttpError(400, f"{record.tinker_path} is not an external_weights checkpoint")
        expires = self._expiry()
        origin = _origin(call)
        urls = {
            f: origin + self._s.signer.sign("file", self._s.store.relative(record, f), expires)
            for f in record.files
        }
        return json_reply({"urls": urls, "expires": iso(expires)})

    async def archive(self, call: Call) -> Reply:
        """``GET …/archive`` (JSON era): 302 to a signed URL of a tar of the checkpoint."""
        record = self._checkpoint(call)
        expires = self._expiry()
        location = _origin(call) + self._s.signer.sign("archive", record.tinker_path, expires)
        headers = {"location": location, "expires": formatdate(expires, usegmt=True)}
        return Reply(status=302, headers=headers)

    async def signed(self, call: Call) -> Reply:
        """``GET /local/signed/...``: serve a signed file or checkpoint archive (``Range`` too)."""
        kind, target = self._s.signer.verify(call.path, self._s.clock.time())
        store = self._s.store
        if kind == "archive":
            try:
                data = build_archive(store, store.get(target))
            except UserError as exc:
                raise exc.to_http() from exc
            return ranged_reply(data, "application/x-tar", call.headers)
        path = (store.root / target).resolve()
        if store.root.resolve() not in path.parents or not path.is_file():
            raise HttpError(404, "file not found")
        return ranged_reply(path.read_bytes(), "application/octet-stream", call.headers)

    async def weights_info(self, call: Call) -> Reply:
        """``weights_info``: base model and LoRA configuration of a checkpoint."""
        path = Fields(decode_json(call.body)).req_str("tinker_path")
        try:
            record = self._s.store.get(path)
        except UserError as exc:
            raise exc.to_http() from exc
        run = self._s.store.index.runs.get(record.run_id)
        if run is None:
            raise HttpError(404, f"training run {record.run_id} not found")
        body: dict[str, object] = {
            "base_model": run.base_model,
            "is_lora": True,
            "lora_rank": run.lora_rank,
            "train_unembed": run.train_unembed,
            "train_mlp": run.train_mlp,
            "train_attn": run.train_attn,
        }
        if not self._s.legacy:
            body["optimizer_config"] = {"type": "adamw"}
        return json_reply(body)

    async def copy_weights(self, call: Call) -> Reply:
        """``copy_weights``: duplicate a checkpoint into a new training run."""
        body = Fields(decode_json(call.body))
        try:
            source = self._s.store.get(body.req_str("source_path"))
        except UserError as exc:
            raise exc.to_http() from exc
        src_run = self._run(source.run_id)
        ttl = body.opt_int("ttl_seconds")
        run_id = f"copy-{uuid.uuid4().hex[:12]}:train:0"
        now = self._s.clock.time()
        store = self._s.store
        store.index.runs[run_id] = RunRecord(
            run_id=run_id,
            session_id=src_run.session_id,
            base_model=src_run.base_model,
            lora_rank=src_run.lora_rank,
            train_mlp=src_run.train_mlp,
            train_attn=src_run.train_attn,
            train_unembed=src_run.train_unembed,
            created_at=now,
            last_request_time=now,
        )
        files = {f: store.read(source, f) for f in source.files}
        try:
            record = store.write(
                run_id, source.segment, source.name, files, ttl_s=ttl, user_metadata=None
            )
        except UserError as exc:
            raise exc.to_http() from exc
        return json_reply({"tinker_path": record.tinker_path})
