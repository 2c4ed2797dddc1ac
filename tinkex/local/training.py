"""Training endpoints: create/load/unload a model, get_info, forward(_backward), optim_step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.domain.limits import MAX_LORA_RANK
from tinkex.local.checks import (
    check_adam,
    check_range,
    check_seq_id,
    check_tinker_path,
    read_seq_id,
    require_seq_id,
)
from tinkex.local.codec import Fields, decode_json
from tinkex.local.datums import parse_forward_backward
from tinkex.local.model import AdamSettings, LoraSpec
from tinkex.local.ordering import Sequencer
from tinkex.local.records import RunRecord
from tinkex.local.reply import HttpError, Reply, UserError, json_reply
from tinkex.local.results import ForwardBackwardResult, JsonResult
from tinkex.local.router import Route, route
from tinkex.local.state import ModelSlot

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.local.engine import ModelEngine
    from tinkex.local.results import FutureResult
    from tinkex.local.state import Call, ServiceState

__all__ = ["TrainingHandlers", "engine_of", "submit"]

DEFAULT_RANK = 32


def engine_of(slot: ModelSlot) -> ModelEngine:
    """The slot's model, or a user error saying why there is none."""
    if slot.engine is None:
        raise UserError(slot.error or f"model {slot.run.run_id} is not loaded")
    return slot.engine


def submit(
    state: ServiceState,
    slot: ModelSlot,
    seq_id: int | None,
    request_type: str,
    work: Callable[[], Awaitable[FutureResult]],
    *,
    initial: bool = False,
) -> Reply:
    """Queue ordered work on a model; a repeated seq_id returns the first request's future.

    Step 0 belongs to the model's creation (`initial`); an operation sent with seq_id 0
    (protobuf has no null) or none at all runs in arrival order.
    """
    if not initial and seq_id is not None and seq_id <= 0:
        seq_id = None
    if seq_id is not None and seq_id in slot.by_seq:
        return json_reply(slot.by_seq[seq_id].submission())
    entry = state.futures.create(request_type, slot.run.run_id)
    if seq_id is not None:
        slot.by_seq[seq_id] = entry
    state.run_future(entry, work, slot=slot, seq_id=seq_id)
    return json_reply(entry.submission())


def adam_settings(params: Fields | None) -> AdamSettings:
    """AdamParams with server-side defaults for every missing field.

    Raises:
        HttpError: 400 for a value out of range (see `check_adam`).
    """
    if params is None:
        return AdamSettings()
    defaults = AdamSettings()
    adam = AdamSettings(
        learning_rate=params.num("learning_rate", defaults.learning_rate),
        beta1=params.num("beta1", defaults.beta1),
        beta2=params.num("beta2", defaults.beta2),
        eps=params.num("eps", defaults.eps),
        weight_decay=params.num("weight_decay", defaults.weight_decay),
        grad_clip_norm=params.num("grad_clip_norm", defaults.grad_clip_norm),
    )
    check_adam(adam, params.where)
    return adam


class TrainingHandlers:
    """Handlers of the training area.

    Args:
        state: The backend's shared state.
    """

    def __init__(self, state: ServiceState) -> None:
        self._s = state

    def routes(self) -> list[Route]:
        """This area's routes."""
        return [
            route("POST", "/api/v1/create_model", self.create_model),
            route("POST", "/api/v1/load_weights", self.load_weights),
            route("POST", "/api/v1/get_info", self.get_info),
            route("POST", "/api/v1/unload_model", self.unload_model),
            route("POST", "/api/v1/forward_backward", self.forward_backward),
            route("POST", "/api/v1/forward", self.forward),
            route("POST", "/api/v1/optim_step", self.optim_step),
            route("POST", "/api/v1/create_custom_loss", self.create_custom_loss),
        ]

    def _new_slot(self, session_id: str, model_seq_id: int, base_model: str) -> ModelSlot:
        session = self._s.session(session_id)
        model_id = f"{session_id}:train:{model_seq_id}"
        now = self._s.clock.time()
        run = RunRecord(
            run_id=model_id,
            session_id=session_id,
            base_model=base_model,
            lora_rank=DEFAULT_RANK,
            created_at=now,
            last_request_time=now,
        )
        slot = ModelSlot(run, Sequencer(self._s.clock, gap_timeout_s=self._s.config.gap_timeout_s))
        self._s.models[model_id] = slot
        self._s.store.index.runs[model_id] = run
        if model_id not in session.training_run_ids:
            session.training_run_ids.append(model_id)
        return slot

    async def create_model(self, call: Call) -> Reply:
        """``create_model``: a future of ``{"model_id"}``; the creation is the model's step 0."""
        body = Fields(decode_json(call.body))
        session_id, seq = body.req_str("session_id"), require_seq_id(body, "model_seq_id")
        existing = self._s.models.get(f"{session_id}:train:{seq}")
        if existing is not None and 0 in existing.by_seq:
            return json_reply(existing.by_seq[0].submission())
        lora_obj = body.sub("lora_config") or Fields({}, "body.lora_config")
        rank = lora_obj.req_int("rank", DEFAULT_RANK)
        check_range(rank, 1, MAX_LORA_RANK, "body.lora_config.rank")
        lora = LoraSpec(
            rank=rank,
            seed=lora_obj.opt_int("seed"),
            train_mlp=lora_obj.flag("train_mlp", True),
            train_attn=lora_obj.flag("train_attn", True),
            train_unembed=lora_obj.flag("train_unembed", True),
        )
        optimizer = body.sub("optimizer_config")
        family = optimizer.opt_str("type", "adamw") if optimizer is not None else "adamw"
        slot = self._new_slot(session_id, seq, body.req_str("base_model"))
        slot.run.lora_rank, slot.run.train_mlp = lora.rank, lora.train_mlp
        slot.run.train_attn, slot.run.train_unembed = lora.train_attn, lora.train_unembed
        metadata = body.mapping("user_metadata")
        slot.run.user_metadata = {k: str(v) for k, v in metadata.items()} if metadata else None
        self._s.store.save_index()

        async def work() -> FutureResult:
            try:
                if family != "adamw":
                    raise UserError(f"optimizer {family!r} is not supported locally (adamw only)")
                slot.engine = await self._s.blocking(
                    self._s.factory.create, slot.run.base_model, lora
                )
            except Exception as exc:
                slot.error = f"model creation failed: {exc}"
                raise
            return JsonResult({"model_id": slot.run.run_id, "type": "create_model"})

        return submit(self._s, slot, 0, "CreateModel", work, initial=True)

    async def load_weights(self, call: Call) -> Reply:
        """``load_weights``: create-via-load (session_id + model_seq_id) or in place (model_id)."""
        body = Fields(decode_json(call.body))
        path = body.req_str("path")
        _, segment, _ = check_tinker_path(
            path, "body.path", short=self._s.store.short_sampler_paths
        )
        optimizer = body.flag("optimizer", False)
        override = body.opt_str("base_model")
        if body.has("model_id"):
            slot, seq = self._s.model(body.req_str("model_id")), read_seq_id(body)
            creating = False
        else:
            session_id, model_seq = body.req_str("session_id"), require_seq_id(body, "model_seq_id")
            existing = self._s.models.get(f"{session_id}:train:{model_seq}")
            if existing is not None and 0 in existing.by_seq:
                return json_reply(existing.by_seq[0].submission())
            slot, seq = self._new_slot(session_id, model_seq, override or ""), 0
            creating = True
            self._s.store.save_index()

        async def work() -> FutureResult:
            try:
                if segment != "weights":
                    raise UserError(
                        f"load_weights needs a tinker://<run>/weights/<name> path: {path}"
                    )
                blob = self._s.store.read(self._s.store.get(path), "state.bin")
                engine = await self._s.blocking(
                    self._s.factory.load,
                    blob,
                    load_optimizer=optimizer,
                    override_base_model=override,
                )
            except Exception as exc:
                if creating:
                    slot.error = f"loading {path} failed: {exc}"
                raise
            slot.engine = engine
            info = engine.weights_info()
            run = slot.run
            run.base_model = str(info["base_model"])
            run.lora_rank = int(info.get("lora_rank") or DEFAULT_RANK)  # type: ignore[call-overload]
            run.train_mlp = bool(info.get("train_mlp", True))
            run.train_attn = bool(info.get("train_attn", True))
            run.train_unembed = bool(info.get("train_unembed", True))
            self._s.store.save_index()
            return JsonResult({"path": path, "model_id": run.run_id, "type": "load_weights"})

        return submit(self._s, slot, seq, "LoadWeights", work, initial=creating)

    async def get_info(self, call: Call) -> Reply:
        """``get_info``: architecture, names and LoRA rank of a model."""
        slot = self._s.model(Fields(decode_json(call.body)).req_str("model_id"))
        run = slot.run
        body: dict[str, object] = {
            "type": "get_info",
            "model_data": {
                "arch": "tinkex-tiny",
                "model_name": run.base_model,
                "tokenizer_id": "tinkex/byte-tokenizer",
            },
            "model_id": run.run_id,
            "is_lora": True,
            "lora_rank": run.lora_rank,
            "model_name": run.base_model,
        }
        if not self._s.legacy:
            body["optimizer_config"] = {"type": "adamw"}
        return json_reply(body)

    async def unload_model(self, call: Call) -> Reply:
        """``unload_model``: a future; frees the model after its queued work."""
        slot = self._s.model(Fields(decode_json(call.body)).req_str("model_id"))

        async def work() -> FutureResult:
            slot.engine, slot.error = None, f"model {slot.run.run_id} was unloaded"
            return JsonResult({"model_id": slot.run.run_id, "type": "unload_model"})

        return submit(self._s, slot, None, "UnloadModel", work)

    async def forward_backward(self, call: Call) -> Reply:
        """``forward_backward``: protobuf (0.38) or JSON with a wrapper key (JSON era)."""
        return await self._compute(call, forward_path=False)

    async def forward(self, call: Call) -> Reply:
        """``forward`` (JSON era): same as forward_backward without gradients."""
        return await self._compute(call, forward_path=True)

    async def _compute(self, call: Call, *, forward_path: bool) -> Reply:
        req = parse_forward_backward(
            call.body,
            call.headers.get("content-type", ""),
            call.headers.get("content-encoding"),
            forward_path=forward_path,
        )
        if not req.data:
            raise HttpError(422, "no data provided")
        check_seq_id(req.seq_id, "body.seq_id")
        slot = self._s.model(req.model_id)

        async def work() -> FutureResult:
            engine = engine_of(slot)
            method = engine.forward if req.forward_only else engine.forward_backward
            result = await self._s.blocking(method, req.data, req.loss_fn, req.loss_fn_config)
            return ForwardBackwardResult(result)

        kind = "Forward" if req.forward_only else "ForwardBackward"
        return submit(self._s, slot, req.seq_id, kind, work)

    async def optim_step(self, call: Call) -> Reply:
        """``optim_step``: AdamW with server defaults for any omitted parameter."""
        body = Fields(decode_json(call.body))
        slot = self._s.model(body.req_str("model_id"))
        other = body.sub("optimizer_params") or body.sub("optim_params")
        adam = adam_settings(body.sub("adam_params"))
        seq = read_seq_id(body)

        async def work() -> FutureResult:
            if other is not None and other.opt_str("type", "adamw") != "adamw":
                raise UserError(f"optimizer {other.opt_str('type')!r} is not supported locally")
            metrics = await self._s.blocking(engine_of(slot).optim_step, adam)
            return JsonResult({"metrics": metrics})

        return submit(self._s, slot, seq, "OptimStep", work)

    async def create_custom_loss(self, call: Call) -> Reply:
        """``create_custom_loss``: a future that fails, since losses run client-side here."""
        body = Fields(decode_json(call.body))
        self._s.session(body.req_str("session_id"))
        read_seq_id(body, "custom_loss_seq_id")
        entry = self._s.futures.create("CreateCustomLoss")

        async def work() -> FutureResult:
            raise UserError("server-side custom losses are not supported by the local backend")

        self._s.run_future(entry, work)
        return json_reply(entry.submission())
