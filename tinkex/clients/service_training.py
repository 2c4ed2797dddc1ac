"""How a ServiceClient makes training clients: checks, create_model / load_weights, get_info.

Every argument is checked before the first request (including the lazy start of the
session), so a bad call sends nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
)
from tinkex.errors import ValidationError
from tinkex.flows.queue_state import QueueStateLogger

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.bootstrap.runtime import Runtime

__all__ = [
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
    runtime: Runtime,
    base_model: str,
    lora: LoraConfig,
    user_metadata: Mapping[str, Any] | None,
    optimizer: OptimizerConfig | None,
) -> TrainingClient:
    """Create a LoRA training run (create_model) and return its client."""
    request = CreateModelRequest(
        session_id=await runtime.session_id(),
        model_seq_id=runtime.next_model_seq_id(),
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


async def create_from_state(
    runtime: Runtime,
    checkpoint: CheckpointPath,
    *,
    base_model: str | None,
    user_metadata: Mapping[str, Any] | None,
    token: str | None,
    optimizer_config: OptimizerConfig | None,
    with_optimizer: bool,
) -> TrainingClient:
    """Create a training run from a checkpoint (create-via-load_weights)."""
    session_id = await runtime.session_id()
    model_seq_id = runtime.next_model_seq_id()
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


def _creation_logger(runtime: Runtime, identifier: str) -> QueueStateLogger:
    # A creation stuck in a paused queue is the classic "never returns" report: say so.
    return QueueStateLogger.for_training(
        identifier, clock=runtime.clock, prefix="Model creation", logger=runtime.logger
    )


async def _training_client(
    runtime: Runtime, model_id: str, base_model: str | None
) -> TrainingClient:
    info = await api.models.get_info(runtime.invoker, GetInfoRequest(model_id=model_id))
    resolved = base_model or info.model_data.model_name or info.model_name
    if resolved is None:
        raise ValidationError("the server did not say which base model the run uses")
    return TrainingClient(runtime, model_id=model_id, base_model=resolved, info=info)
