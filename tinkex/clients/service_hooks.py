"""The domain hooks behind `ServiceClient`'s generated methods and flows (``clients.service``).

The flows that create training and sampling clients (``flows:`` in the manifest) are compiled
into `tinkex.clients.generated.service`; what they cannot say is here: the checks of their
arguments (every one runs before the first request, including the lazy start of the
session, so a bad call sends nothing), the client stack's ports as the flows read them
(``state:``), and the small decisions between two requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tinkex import api
from tinkex.clients.service_invoker import StartingInvoker
from tinkex.domain.official import from_official
from tinkex.domain.paths import CheckpointPath, require_kind
from tinkex.domain.types import (
    AdamOptimizerConfig,
    DimuonOptimizerConfig,
    LoraConfig,
    OptimizerConfig,
)
from tinkex.errors import UnsupportedByServerError, ValidationError
from tinkex.flows.queue_state import QueueStateLogger

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.clients.generated.service import ServiceClient
    from tinkex.clients.rest import RestClient
    from tinkex.clients.training import TrainingClient
    from tinkex.domain.types import GetInfoResponse, LoadWeightsResponse, WeightsInfoResponse
    from tinkex.ports.client import ClientContext
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.futures import FutureResolver
    from tinkex.ports.sessions import SessionEndReason

__all__ = [
    "base_model_of_sampler",
    "check_from_state",
    "check_lora",
    "check_open",
    "check_sampling_source",
    "checkpoint_base_model",
    "close",
    "copy_weights",
    "create_rest_client",
    "creation_logger",
    "ensure_session",
    "invoker_of",
    "load_checkpoint",
    "loaded_model_id",
    "lora_of_checkpoint",
    "monotonic_now",
    "next_model_seq_id",
    "next_sampling_session_seq_id",
    "own_optimizer",
    "plain_metadata",
    "refuse_what_the_json_era_cannot_load",
    "resolve_base_model",
    "resolver_of",
    "seconds_since",
    "speaks_json_era",
    "started_context",
]


# -- the client stack, as the flows read it (``state:``) ----------------------------------------


def check_open(client: ServiceClient) -> None:
    """Refuse a closed client (`ClosedError`) before any argument is even looked at."""
    client._check_open()


async def started_context(client: ServiceClient) -> ClientContext:
    """The client's stack, its session started (once) on first use."""
    await client.start()
    return client.runtime


def invoker_of(context: ClientContext) -> Invoker:
    """The pipeline every request of the stack goes through."""
    return context.invoker


def resolver_of(context: ClientContext) -> FutureResolver:
    """What resolves the stack's server futures."""
    return context.resolver


def speaks_json_era(context: ClientContext) -> bool:
    """Whether the server speaks the JSON-era wire (no ``client/config``)."""
    return context.legacy


async def ensure_session(context: ClientContext) -> str:
    """The server's id of the stack's session (created on first use)."""
    return await context.session.ensure_session()


def next_model_seq_id(context: ClientContext) -> int:
    """The next training client's ``model_seq_id``."""
    return context.session.next_model_seq_id()


def next_sampling_session_seq_id(context: ClientContext) -> int:
    """The next sampling client's ``sampling_session_seq_id``."""
    return context.session.next_sampling_session_seq_id()


# -- methods ------------------------------------------------------------------------------------


def create_rest_client(client: ServiceClient) -> RestClient:
    """A RestClient on this client's connections; the session starts on its first call.

    Raises `ClosedError` once the client is closed.
    """
    from tinkex.clients.rest import RestClient

    client._check_open()
    return RestClient(StartingInvoker(client), clock=client.runtime.clock)


async def copy_weights(
    client: ServiceClient, path: str, ttl_seconds: int | None, weights_access_token: str | None
) -> str:
    """Copy a checkpoint into this client's project; the copy's path.

    `ValidationError`: a bad path or TTL, or no project (pass ``project_id`` to the client or
    set ``TINKER_PROJECT_ID``).
    """
    return await create_rest_client(client).copy_weights(
        path,
        client._config.project_id,
        ttl_seconds=ttl_seconds,
        weights_access_token=weights_access_token,
    )


async def close(client: ServiceClient, status: SessionEndReason | str, detail: str | None) -> None:
    """Finish the session with `status` and release every connection.

    Safe to call twice, and before the client was ever used (then nothing is sent). Later
    calls of any method raise `ClosedError`.
    """
    await client._finish(status, detail)


# -- checks of the flows' arguments ----------------------------------------------------------------


def own_optimizer(optimizer: OptimizerConfig | None) -> OptimizerConfig | None:
    """The optimizer config as tinkex's type (an official SDK's one is converted)."""
    converted: OptimizerConfig | None = from_official(optimizer, where="optimizer")
    return converted


def check_lora(
    base_model: str,
    rank: int,
    seed: int | None,
    train_mlp: bool,
    train_attn: bool,
    train_unembed: bool,
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
    if not any((train_mlp, train_attn, train_unembed)):
        raise ValidationError(
            "at least one of train_mlp, train_attn, train_unembed must be true", field="train_mlp"
        )
    _check_optimizer(optimizer)
    return LoraConfig(
        rank=rank,
        seed=seed,
        train_mlp=train_mlp,
        train_attn=train_attn,
        train_unembed=train_unembed,
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_optimizer(optimizer: OptimizerConfig | None) -> None:
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
    _check_optimizer(optimizer)
    return checkpoint


def check_sampling_source(model_path: str | None, base_model: str | None) -> str | None:
    """Check that a sampler has a source; the base model to send (none with a path).

    Raises `ValidationError` when neither is given, or `model_path` is not a sampler
    checkpoint.
    """
    if model_path is None and base_model is None:
        raise ValidationError("give model_path or base_model", field="model_path")
    if model_path is not None:
        require_kind(model_path, {"sampler"}, field="model_path")
        return None
    return base_model


def refuse_what_the_json_era_cannot_load(
    weights_access_token: str | None, optimizer: OptimizerConfig | None
) -> None:
    """A JSON-era load takes a checkpoint path only: refuse a token or an optimizer."""
    for name, value in (("weights_access_token", weights_access_token), ("optimizer", optimizer)):
        if value is not None:
            raise UnsupportedByServerError(
                f"{name} cannot be passed to this server: it speaks the JSON-era wire, whose "
                "loads take a checkpoint path only"
            )


# -- between two requests ----------------------------------------------------------------------


def monotonic_now(context: ClientContext) -> float:
    """The stack's clock now (to time a request)."""
    return context.clock.monotonic()


def seconds_since(context: ClientContext, started: float) -> float:
    """Seconds on the stack's clock since `started`."""
    return context.clock.monotonic() - started


def plain_metadata(user_metadata: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The user metadata as the plain dict the wire type holds."""
    return dict(user_metadata) if user_metadata is not None else None


def creation_logger(context: ClientContext, identifier: str) -> QueueStateLogger:
    """Logs the queue states of a run's creation.

    A creation stuck in a paused queue is the classic "never returns" report: say so.
    """
    return QueueStateLogger.for_training(
        identifier, clock=context.clock, prefix="Model creation", logger=context.logger
    )


def resolve_base_model(base_model: str | None, info: GetInfoResponse) -> str:
    """The run's base model: as asked, else as the server describes the run."""
    resolved = base_model or info.model_data.model_name or info.model_name
    if resolved is None:
        raise ValidationError("the server did not say which base model the run uses")
    return resolved


def loaded_model_id(loaded: LoadWeightsResponse, session_id: str, model_seq_id: int) -> str:
    """The id of a run created by a load (``<session>:train:<seq>`` when not echoed)."""
    return loaded.model_id or f"{session_id}:train:{model_seq_id}"


def checkpoint_base_model(base_model: str | None, info: WeightsInfoResponse) -> str:
    """The base model of a run made like a checkpoint: as asked, else the checkpoint's."""
    return base_model or info.base_model


def lora_of_checkpoint(checkpoint: CheckpointPath, info: WeightsInfoResponse) -> LoraConfig:
    """The LoRA shape of a checkpoint (a flag the JSON-era server leaves out was on)."""
    if info.lora_rank is None:
        raise UnsupportedByServerError(
            f"{checkpoint.tinker_path} is not a LoRA checkpoint; a JSON-era server can only "
            "create LoRA training runs"
        )
    return LoraConfig(
        rank=info.lora_rank,
        seed=None,
        train_mlp=info.train_mlp is not False,
        train_attn=info.train_attn is not False,
        train_unembed=info.train_unembed is not False,
    )


async def load_checkpoint(training: TrainingClient, path: str, with_optimizer: bool) -> None:
    """Load a checkpoint into a new run as its first request, and wait for it."""
    await (
        training.load_state_with_optimizer(path) if with_optimizer else training.load_state(path)
    )


async def base_model_of_sampler(
    invoker: Invoker, base_model: str | None, sampling_session_id: str
) -> str:
    """The base model of a new sampler: as asked, else the server's (``rest.get_sampler``)."""
    if base_model is not None:
        return base_model
    sampler = await api.rest.get_sampler(invoker, sampler_id=sampling_session_id)
    return sampler.base_model
