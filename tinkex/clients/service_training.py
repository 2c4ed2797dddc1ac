"""How a ServiceClient makes training clients: checks, create_model / load_weights, get_info.

Every argument is checked before the first request (including the lazy start of the
session), so a bad call sends nothing.

Creating a run from a checkpoint takes other steps on a server of the JSON era, which cannot
create a run by loading into the session. The manifest says which flow backs each method
(``flow``, and ``json_era_flow`` for the JSON era); `create_from_state` looks the flow up
there and runs its implementation from `FROM_STATE_FLOWS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from tinkex import api
from tinkex.clients.training import TrainingClient
from tinkex.domain.paths import CheckpointPath, require_kind
from tinkex.domain.types import (
    AdamOptimizerConfig,
    CreateModelRequest,
    CreateModelResponse,
    DimuonOptimizerConfig,
    GetInfoRequest,
    LoadWeightsRequest,
    LoadWeightsResponse,
    LoraConfig,
    OptimizerConfig,
    WeightsInfoRequest,
)
from tinkex.errors import UnsupportedByServerError, ValidationError
from tinkex.flows.queue_state import QueueStateLogger

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.ports.client import ClientContext

__all__ = [
    "FROM_STATE_FLOWS",
    "check_from_state",
    "check_lora",
    "create_from_state",
    "create_lora",
]


def check_lora(
    base_model: str,
    rank: int,
    seed: int | None,
    flags: tuple[bool, bool, bool],
    optimizer: OptimizerConfig | None,
) -> LoraConfig:
    """Check the arguments of `create_lora_training_client` and build the LoRA config.

    Raises:
        ValidationError: Empty model name, bad rank or seed, no trainable part, or an
            optimizer that is not an optimizer config.
    """
    name: object = base_model  # untyped callers: check at runtime
    if not isinstance(name, str) or not name:
        raise ValidationError("must name a base model", field="base_model")
    if not _is_int(rank) or rank < 1:
        raise ValidationError("must be a positive integer", field="rank")
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise ValidationError("must be a non-negative integer or None", field="seed")
    if not any(flags):
        raise ValidationError(
            "at least one of train_mlp, train_attn, train_unembed must be true", field="train_mlp"
        )
    check_optimizer(optimizer)
    train_mlp, train_attn, train_unembed = flags
    return LoraConfig(
        rank=rank,
        seed=seed,
        train_mlp=train_mlp,
        train_attn=train_attn,
        train_unembed=train_unembed,
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_optimizer(optimizer: OptimizerConfig | None) -> None:
    """Refuse anything but an optimizer family config (None means the server default)."""
    value: object = optimizer
    if value is not None and not isinstance(value, AdamOptimizerConfig | DimuonOptimizerConfig):
        raise ValidationError(
            "expected AdamOptimizerConfig or DimuonOptimizerConfig (optim_step takes the "
            f"step parameters), got {type(value).__name__}",
            field="optimizer",
        )


def check_from_state(path: str, optimizer: OptimizerConfig | None) -> CheckpointPath:
    """Check the checkpoint path (a ``weights/`` checkpoint) and optimizer of a load."""
    checkpoint = require_kind(path, {"training"}, field="path")
    check_optimizer(optimizer)
    return checkpoint


async def create_lora(
    runtime: ClientContext,
    base_model: str,
    lora: LoraConfig,
    user_metadata: Mapping[str, Any] | None,
    optimizer: OptimizerConfig | None,
) -> TrainingClient:
    """Create a LoRA training run (create_model) and return its client."""
    request = CreateModelRequest(
        session_id=await runtime.session.ensure_session(),
        model_seq_id=runtime.session.next_model_seq_id(),
        base_model=base_model,
        user_metadata=dict(user_metadata) if user_metadata is not None else None,
        lora_config=lora,
        **({"optimizer_config": optimizer} if optimizer is not None else {}),
    )
    started = runtime.clock.monotonic()
    submitted = await api.models.create(runtime.invoker, request)
    created = await runtime.resolver.resolve(
        submitted.request_id,
        result_type=CreateModelResponse,
        request_type="CreateModel",
        observer=_creation_logger(runtime, base_model),
        created_roundtrip_s=runtime.clock.monotonic() - started,
    )
    return await _training_client(runtime, created.model_id, base_model)


class FromStateFlow(Protocol):
    """One way of creating a training run from a checkpoint (a manifest flow)."""

    async def __call__(
        self,
        runtime: ClientContext,
        checkpoint: CheckpointPath,
        *,
        base_model: str | None,
        user_metadata: Mapping[str, Any] | None,
        token: str | None,
        optimizer_config: OptimizerConfig | None,
        with_optimizer: bool,
    ) -> TrainingClient: ...


async def create_from_state(
    runtime: ClientContext,
    checkpoint: CheckpointPath,
    *,
    base_model: str | None,
    user_metadata: Mapping[str, Any] | None,
    token: str | None,
    optimizer_config: OptimizerConfig | None,
    with_optimizer: bool,
) -> TrainingClient:
    """Create a training run from a checkpoint, by the flow the manifest names for the era."""
    method = "create_training_client_from_state" + ("_with_optimizer" if with_optimizer else "")
    spec = runtime.manifest.clients["service"].methods[method]
    flow = spec.json_era_flow if runtime.legacy and spec.json_era_flow else spec.flow
    implementation = FROM_STATE_FLOWS.get(flow or "")
    if implementation is None:
        raise UnsupportedByServerError(f"no implementation of the manifest flow {flow!r}")
    return await implementation(
        runtime,
        checkpoint,
        base_model=base_model,
        user_metadata=user_metadata,
        token=token,
        optimizer_config=optimizer_config,
        with_optimizer=with_optimizer,
    )


async def _load_into_session(
    runtime: ClientContext,
    checkpoint: CheckpointPath,
    *,
    base_model: str | None,
    user_metadata: Mapping[str, Any] | None,
    token: str | None,
    optimizer_config: OptimizerConfig | None,
    with_optimizer: bool,
) -> TrainingClient:
    """Create a training run by loading a checkpoint into the session (create-via-load)."""
    session_id = await runtime.session.ensure_session()
    model_seq_id = runtime.session.next_model_seq_id()
    started = runtime.clock.monotonic()
    submitted = await api.weights.load(
        runtime.invoker,
        LoadWeightsRequest(
            session_id=session_id,
            model_seq_id=model_seq_id,
            base_model=base_model,
            user_metadata=dict(user_metadata) if user_metadata is not None else None,
            path=checkpoint.tinker_path,
            optimizer=with_optimizer,
            optimizer_config=optimizer_config,
            weights_access_token=token,
        ),
    )
    loaded = await runtime.resolver.resolve(
        submitted.request_id,
        result_type=LoadWeightsResponse,
        request_type="LoadWeights",
        observer=_creation_logger(runtime, checkpoint.tinker_path),
        created_roundtrip_s=runtime.clock.monotonic() - started,
    )
    # Servers that do not echo the id use the documented format (spec 7).
    model_id = loaded.model_id or f"{session_id}:train:{model_seq_id}"
    return await _training_client(runtime, model_id, base_model)


async def _create_then_load(
    runtime: ClientContext,
    checkpoint: CheckpointPath,
    *,
    base_model: str | None,
    user_metadata: Mapping[str, Any] | None,
    token: str | None,
    optimizer_config: OptimizerConfig | None,
    with_optimizer: bool,
) -> TrainingClient:
    """JSON era: create a run shaped like the checkpoint, then load into it (its seq_id 1)."""
    for name, value in (("weights_access_token", token), ("optimizer", optimizer_config)):
        if value is not None:
            raise UnsupportedByServerError(
                f"{name} cannot be passed to this server: it speaks the JSON-era wire, whose "
                "loads take a checkpoint path only"
            )
    info = await api.weights.info(
        runtime.invoker, WeightsInfoRequest(tinker_path=checkpoint.tinker_path)
    )
    if info.lora_rank is None:
        raise UnsupportedByServerError(
            f"{checkpoint.tinker_path} is not a LoRA checkpoint; a JSON-era server can only "
            "create LoRA training runs"
        )
    lora = LoraConfig(
        rank=info.lora_rank,
        seed=None,
        # A flag the server leaves out was on (spec json-era 9.7).
        train_mlp=info.train_mlp is not False,
        train_attn=info.train_attn is not False,
        train_unembed=info.train_unembed is not False,
    )
    training = await create_lora(
        runtime, base_model or info.base_model, lora, user_metadata, optimizer=None
    )
    path = checkpoint.tinker_path
    await (
        training.load_state_with_optimizer(path) if with_optimizer else training.load_state(path)
    )
    return training


FROM_STATE_FLOWS: dict[str, FromStateFlow] = {
    "create_training_client_from_state": _load_into_session,
    "create_training_client_from_state_with_optimizer": _load_into_session,
    "create_training_client_from_state_json_era": _create_then_load,
}
"""The implementation of each manifest flow that creates a run from a checkpoint."""


def _creation_logger(runtime: ClientContext, identifier: str) -> QueueStateLogger:
    # A creation stuck in a paused queue is the classic "never returns" report: say so.
    return QueueStateLogger.for_training(
        identifier, clock=runtime.clock, prefix="Model creation", logger=runtime.logger
    )


async def _training_client(
    runtime: ClientContext, model_id: str, base_model: str | None
) -> TrainingClient:
    info = await api.models.get_info(runtime.invoker, GetInfoRequest(model_id=model_id))
    resolved = base_model or info.model_data.model_name or info.model_name
    if resolved is None:
        raise ValidationError("the server did not say which base model the run uses")
    return TrainingClient(runtime, model_id=model_id, base_model=resolved, info=info)
