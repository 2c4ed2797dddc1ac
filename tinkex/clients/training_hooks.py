"""The domain hooks behind `TrainingClient`'s generated methods (``clients.training``).

Each public function here is named by a method of the manifest's ``clients.training`` and
called by `tinkex.clients.generated.training` with the client and the method's arguments.
They hold what a manifest cannot say: the checks of a batch, its chunking and turn order
(`TrainingSubmitter`), the two-phase custom loss, checkpoints (`TrainingWeights`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tinkex import api
from tinkex.clients.futures import APIFuture
from tinkex.clients.operation_span import traced
from tinkex.clients.training_checks import (
    CUSTOM_LOSS,
    choose_optimizer,
    validate_data,
    validate_loss_fn,
)
from tinkex.clients.training_wire import chunk_data, numeric_config
from tinkex.domain.paths import training_run_console_url
from tinkex.domain.types import (
    AdamParams,
    DimuonParams,
    ForwardBackwardOutput,
    OptimStepRequest,
    OptimStepResponse,
    UnloadModelRequest,
    UnloadModelResponse,
    UntypedAPIFuture,
)
from tinkex.errors import ValidationError
from tinkex.tokenizer import Tokenizer
from tinkex.tokenizer import get_tokenizer as tokenizer_for

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Literal

    from tinkex.clients.custom_loss_runner import CustomLoss
    from tinkex.clients.generated.training import TrainingClient
    from tinkex.clients.sampling import SamplingClient
    from tinkex.clients.training_checks import OptimParams
    from tinkex.domain.types import (
        Datum,
        GetInfoResponse,
        LoadWeightsResponse,
        LossFn,
        SaveWeightsExternalResponse,
        SaveWeightsForSamplerResponse,
        SaveWeightsResponse,
    )

__all__ = [
    "create_sampling_client",
    "forward",
    "forward_backward",
    "forward_backward_custom",
    "get_console_url",
    "get_info",
    "get_tokenizer",
    "load_state",
    "load_state_with_optimizer",
    "optim_step",
    "save_state",
    "save_weights_and_get_sampling_client",
    "save_weights_external",
    "save_weights_for_sampler",
    "train_step",
    "unload_model",
]


# -- forward / backward ----------------------------------------------------------------------


def forward(
    client: TrainingClient,
    data: Sequence[Datum],
    loss_fn: LossFn,
    loss_fn_config: Mapping[str, float | str] | None,
) -> APIFuture[ForwardBackwardOutput]:
    """The loss and logprobs without gradients (`ValidationError` before anything is sent)."""
    return _fwdbwd(client, data, loss_fn, loss_fn_config, forward_only=True)


def forward_backward(
    client: TrainingClient,
    data: Sequence[Datum],
    loss_fn: LossFn,
    loss_fn_config: Mapping[str, float | str] | None,
) -> APIFuture[ForwardBackwardOutput]:
    """The loss, its gradients accumulated on the server.

    The batch is split by the server's chunk limits; chunks are submitted together (the first
    one last, so the server finds the whole batch queued) and their results folded back by
    metric reduction. `loss_fn` is a `LossFnType`, or ``LossFnName("...")`` for a loss the
    server offers beyond those.
    """
    return _fwdbwd(client, data, loss_fn, loss_fn_config, forward_only=False)


def _fwdbwd(
    client: TrainingClient,
    data: Sequence[Datum],
    loss_fn: str,
    loss_fn_config: Mapping[str, float | str] | None,
    *,
    forward_only: bool,
) -> APIFuture[ForwardBackwardOutput]:
    submitter, context = client._submitter, client._context
    submitter.check_open()
    config = validate_loss_fn(loss_fn, loss_fn_config)
    datums = validate_data(data, loss_fn, pack=not context.legacy)
    if context.legacy:
        numeric_config(config)  # refuse string values before anything is sent
    chunks = chunk_data(context, datums)
    first = submitter.sequencer.reserve(len(chunks))
    tracker = submitter.tracker("Forward" if forward_only else "ForwardBackward")
    submit = submitter.submit_chunks(
        chunks, first, loss_fn, config, forward_only=forward_only, tracker=tracker
    )

    async def resolve(submitted: list[UntypedAPIFuture]) -> ForwardBackwardOutput:
        return await submitter.resolve_chunks(submitted, chunks, tracker)

    return submitter.submit_then_resolve(submit, resolve, tracker)


def forward_backward_custom(
    client: TrainingClient, data: Sequence[Datum], loss_fn: CustomLoss
) -> APIFuture[ForwardBackwardOutput]:
    """Train on a loss computed in this process from the server's logprobs.

    Runs a forward pass, calls `loss_fn(data, logprobs)` for the loss value, its gradient
    with respect to every logprob (numpy arrays shaped like the logprobs) and metrics, then a
    cross-entropy forward_backward whose weights are the negated gradient. A torch loss
    ``fn(data, logprob_tensors) -> (loss, metrics)`` works through
    `tinkex.domain.custom_loss.torch_loss_adapter`. Every datum needs ``target_tokens``; its
    other inputs stay on the client for the loss to read. A failure between the two passes
    poisons the client (see `tinkex.clients.custom_loss_runner`).
    """
    from tinkex.clients.custom_loss_runner import forward_chunks, run_custom_loss

    submitter, context = client._submitter, client._context
    submitter.check_open()
    if not callable(loss_fn):
        raise ValidationError("must be callable", field="loss_fn")
    datums = validate_data(data, CUSTOM_LOSS, pack=not context.legacy)
    chunks = chunk_data(context, datums)
    forward_pass = forward_chunks(chunks)  # checks target_tokens before anything is sent
    first = submitter.sequencer.reserve(2 * len(chunks))
    tracker = submitter.tracker("ForwardBackward")
    future = traced(
        context.observability,
        tracker.request_type,
        lambda: APIFuture.start(
            run_custom_loss(submitter, chunks, forward_pass, first, loss_fn, tracker),
            tracker,
            name="tinkex-forward-backward-custom",
        ),
    )
    # Cancelled before it ran, it never sent its reserved ids: like any failure between the
    # two phases, that leaves the run's sequence unknowable.
    future.add_done_callback(submitter.poison_if_cancelled)
    return future


def train_step(
    client: TrainingClient,
    data: Sequence[Datum],
    loss_fn: LossFn,
    adam_params: OptimParams,
    loss_fn_config: Mapping[str, float | str] | None,
) -> APIFuture[tuple[ForwardBackwardOutput, OptimStepResponse]]:
    """Submit forward_backward and optim_step in the same clock cycle.

    Both are checked before either is sent. The returned future resolves to both results;
    cancelling it stops waiting for both (see `APIFuture.cancel`).
    """
    choose_optimizer(adam_params, None, client._info.optimizer_config)
    fwd_bwd = client.forward_backward(data, loss_fn, loss_fn_config)
    optim = client.optim_step(adam_params)

    async def both() -> tuple[ForwardBackwardOutput, OptimStepResponse]:
        try:
            return await fwd_bwd, await optim
        except asyncio.CancelledError:
            fwd_bwd.cancel()
            optim.cancel()
            raise

    return APIFuture.start(both(), fwd_bwd.tracker, name="tinkex-train-step")


# -- optimizer, unload -----------------------------------------------------------------------


def optim_step(
    client: TrainingClient, optim_params: OptimParams | None, adam_params: AdamParams | None
) -> APIFuture[OptimStepResponse]:
    """Apply the accumulated gradients with the run's optimizer family.

    `optim_params` is `AdamParams` or `DimuonParams`, matching the run's optimizer;
    `adam_params` is the same for Adam, by keyword (`ValidationError`: both or neither, or
    parameters of another family than the run's).
    """
    submitter, context = client._submitter, client._context
    submitter.check_open()
    params = choose_optimizer(optim_params, adam_params, client._info.optimizer_config)
    return submitter.single(
        "OptimStep",
        lambda seq_id: api.training.optim_step(
            context.invoker,
            OptimStepRequest(
                model_id=client.model_id,
                seq_id=seq_id,
                adam_params=params if isinstance(params, AdamParams) else None,
                optimizer_params=params if isinstance(params, DimuonParams) else None,
            ),
        ),
        OptimStepResponse,
    )


def unload_model(client: TrainingClient) -> APIFuture[UnloadModelResponse]:
    """Free the run's model once everything submitted before it has run.

    The client accepts no further requests afterwards (they raise `ClosedError`): the unload
    carries no seq_id, so anything sent after it would wait for a gap forever.
    """
    submitter, context = client._submitter, client._context
    future = submitter.single(
        "UnloadModel",
        lambda _seq_id: api.models.unload(
            context.invoker, UnloadModelRequest(model_id=client.model_id)
        ),
        UnloadModelResponse,
    )
    submitter.unloaded = True
    return future


# -- weights (`TrainingWeights`) -------------------------------------------------------------


def save_state(
    client: TrainingClient,
    name: str,
    ttl_seconds: int | None,
    overwrite: bool,
    user_metadata: dict[str, str] | None,
) -> APIFuture[SaveWeightsResponse]:
    """Save weights and optimizer state as ``tinker://<run>/weights/<name>``."""
    return client._weights.save_state(name, ttl_seconds, overwrite, user_metadata)


def save_weights_for_sampler(
    client: TrainingClient, name: str, ttl_seconds: int | None, user_metadata: dict[str, str] | None
) -> APIFuture[SaveWeightsForSamplerResponse]:
    """Save sampler weights as ``tinker://<run>/sampler_weights/<name>``."""
    return client._weights.save_weights_for_sampler(name, ttl_seconds, user_metadata)


def save_weights_external(
    client: TrainingClient,
    name: str,
    ttl_seconds: int | None,
    age_encryption_recipients: list[str] | None,
) -> APIFuture[SaveWeightsExternalResponse]:
    """Export the adapter as ``tinker://<run>/external_weights/<name>``."""
    return client._weights.save_weights_external(name, ttl_seconds, age_encryption_recipients)


def load_state(
    client: TrainingClient, path: str, weights_access_token: str | None
) -> APIFuture[LoadWeightsResponse]:
    """Load weights only (the optimizer state is reset) from a ``weights/`` checkpoint."""
    return client._weights.load_state(path, weights_access_token)


def load_state_with_optimizer(
    client: TrainingClient, path: str, weights_access_token: str | None
) -> APIFuture[LoadWeightsResponse]:
    """Load weights and the optimizer state from a ``weights/`` checkpoint."""
    return client._weights.load_state_with_optimizer(path, weights_access_token)


def save_weights_and_get_sampling_client(
    client: TrainingClient,
    record_stability_info: bool,
    kind: Literal["snapshot", "inflight"],
) -> APIFuture[SamplingClient]:
    """Save ephemeral sampler weights (no name, no checkpoint) and sample from them."""
    return client._weights.save_weights_and_get_sampling_client(
        record_stability_info=record_stability_info, kind=kind
    )


async def create_sampling_client(
    client: TrainingClient, model_path: str, record_stability_info: bool
) -> SamplingClient:
    """A SamplingClient over saved sampler weights (``tinker://…/sampler_weights/…``)."""
    return await client._weights.create_sampling_client(
        model_path, record_stability_info=record_stability_info
    )


# -- information ------------------------------------------------------------------------------


async def get_info(client: TrainingClient) -> GetInfoResponse:
    """The run's model information (fetched once, when the client was created)."""
    return client._info


def get_tokenizer(client: TrainingClient) -> Tokenizer:
    """The tokenizer of the run's base model."""
    return tokenizer_for(
        client.base_model,
        client._info.model_data.tokenizer_id,
        local=client._context.config.is_local,
    )


def get_console_url(client: TrainingClient) -> str:
    """The run's page on the Tinker console."""
    return training_run_console_url(client.model_id)
