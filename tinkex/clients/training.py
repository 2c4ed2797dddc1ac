"""TrainingClient: forward, forward_backward, optim_step and weights of one training run.

Every submitting method validates its input, reserves its request id(s) at call time and
returns an `APIFuture` at once; submissions go out strictly in call order (a turn counter
advances when each POST returns), while results are awaited independently. So

```python
fwd_bwd = training.forward_backward(data, "cross_entropy")
optim = training.optim_step(AdamParams(learning_rate=1e-4))   # same clock cycle
result, _ = await fwd_bwd, await optim
```
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tinkex import api
from tinkex.clients.futures import APIFuture
from tinkex.clients.official_names import TrainingClientOfficialNames
from tinkex.clients.operation_span import traced
from tinkex.clients.training_checks import (
    CUSTOM_LOSS,
    OptimParams,
    choose_optimizer,
    validate_data,
    validate_loss_fn,
)
from tinkex.clients.training_submitter import TrainingSubmitter
from tinkex.clients.training_weights import TrainingWeights
from tinkex.clients.training_wire import chunk_data, numeric_config
from tinkex.domain.headers import sdk_method
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
from tinkex.domain.wire_checks import check_observer
from tinkex.errors import ValidationError
from tinkex.tokenizer import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Literal

    from tinkex.clients.custom_loss_runner import CustomLoss
    from tinkex.clients.sampling import SamplingClient
    from tinkex.domain.types import (
        Datum,
        GetInfoResponse,
        LoadWeightsResponse,
        LossFn,
        SaveWeightsExternalResponse,
        SaveWeightsForSamplerResponse,
        SaveWeightsResponse,
    )
    from tinkex.ports.client import ClientContext
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["TrainingClient"]


class TrainingClient(TrainingClientOfficialNames):
    """A LoRA training run on the service.

    Obtained from `ServiceClient.create_lora_training_client` or
    `ServiceClient.create_training_client_from_state`; not constructed directly.

    Composed of a `TrainingSubmitter` (turn order, trackers, chunk submission, resolution)
    and a `TrainingWeights` helper (checkpoints); both are private to the client.

    Attributes:
        model_id: The training run id (``<session>:train:<n>``).
        base_model: The model the run fine-tunes.
    """

    def __init__(
        self,
        runtime: ClientContext,
        *,
        model_id: str,
        base_model: str,
        info: GetInfoResponse,
        observers: Sequence[QueueStateObserver] = (),
    ) -> None:
        self._runtime = runtime
        self.model_id = model_id
        self.base_model = base_model
        self._info = info
        self._submitter = TrainingSubmitter(runtime, model_id)
        self._submitter.observers = (*self._submitter.observers, *observers)
        self._weights = TrainingWeights(self._submitter, base_model)

    def __repr__(self) -> str:
        return f"<TrainingClient model_id={self.model_id!r} base_model={self.base_model!r}>"

    # -- info ----------------------------------------------------------------------------

    async def get_info(self) -> GetInfoResponse:
        """The run's model information (fetched once, when the client was created)."""
        return self._info

    def get_tokenizer(self) -> Tokenizer:
        """The tokenizer of the run's base model."""
        return get_tokenizer(
            self.base_model,
            self._info.model_data.tokenizer_id,
            local=self._runtime.config.is_local,
        )

    def get_console_url(self) -> str:
        """The run's page on the Tinker console."""
        return training_run_console_url(self.model_id)

    def add_queue_state_observer(self, observer: QueueStateObserver) -> None:
        """Tell `observer` the queue states of every request submitted from now on.

        Raises:
            ValidationError: `observer` has no ``on_queue_state_change`` method.
        """
        submitter = self._submitter
        submitter.observers = (*submitter.observers, check_observer(observer))

    def pending(self) -> list[Any]:
        """Every request of this runtime being polled right now (for debugging hangs)."""
        return self._runtime.pending_futures()

    # -- forward / backward ----------------------------------------------------------------

    def forward(
        self,
        data: Sequence[Datum],
        loss_fn: LossFn,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Compute the loss and per-token logprobs without gradients.

        Raises:
            ValidationError: Bad data or loss config (before anything is sent).
        """
        with sdk_method("TrainingClient.forward"):
            return self._fwdbwd(data, loss_fn, loss_fn_config, forward_only=True)

    def forward_backward(
        self,
        data: Sequence[Datum],
        loss_fn: LossFn,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """Compute the loss and accumulate its gradients on the server.

        The batch is split by the server's chunk limits; chunks are submitted together
        (the first one last, so the server finds the whole batch queued) and their results
        folded back by metric reduction.

        Args:
            data: The examples.
            loss_fn: A `LossFnType` (``cross_entropy``, ``importance_sampling``, ``ppo``...),
                or ``LossFnName("...")`` for a loss the server offers beyond those.
            loss_fn_config: Loss settings, numbers or strings.

        Raises:
            ValidationError: Bad data or loss config (before anything is sent).
        """
        with sdk_method("TrainingClient.forward_backward"):
            return self._fwdbwd(data, loss_fn, loss_fn_config, forward_only=False)

    def forward_backward_custom(
        self, data: Sequence[Datum], loss_fn: CustomLoss
    ) -> APIFuture[ForwardBackwardOutput]:
        """Train on a loss computed in this process from the server's logprobs.

        Runs a forward pass, calls `loss_fn(data, logprobs)` for the loss value, its gradient
        with respect to every logprob (numpy arrays shaped like the logprobs) and metrics, then
        a cross-entropy forward_backward whose weights are the negated gradient. A torch loss
        ``fn(data, logprob_tensors) -> (loss, metrics)`` works through
        `tinkex.domain.custom_loss.torch_loss_adapter`. Every datum needs ``target_tokens``;
        its other inputs stay on the client for the loss to read. A failure between the two
        passes poisons the client (see `tinkex.clients.custom_loss_runner`).

        Raises:
            ValidationError: Bad data or a non-callable loss (before anything is sent).
        """
        from tinkex.clients.custom_loss_runner import forward_chunks, run_custom_loss

        with sdk_method("TrainingClient.forward_backward_custom"):
            submitter = self._submitter
            submitter.check_open()
            if not callable(loss_fn):
                raise ValidationError("must be callable", field="loss_fn")
            datums = validate_data(data, CUSTOM_LOSS, pack=not self._runtime.legacy)
            chunks = chunk_data(self._runtime, datums)
            forward = forward_chunks(chunks)  # checks target_tokens before anything is sent
            first = submitter.sequencer.reserve(2 * len(chunks))
            tracker = submitter.tracker("ForwardBackward")
            future = traced(
                self._runtime.observability,
                tracker.request_type,
                lambda: APIFuture.start(
                    run_custom_loss(submitter, chunks, forward, first, loss_fn, tracker),
                    tracker,
                    name="tinkex-forward-backward-custom",
                ),
            )
            # Cancelled before it ran, it never sent its reserved ids: like any failure
            # between the two phases, that leaves the run's sequence unknowable.
            future.add_done_callback(submitter.poison_if_cancelled)
            return future

    def _fwdbwd(
        self,
        data: Sequence[Datum],
        loss_fn: str,
        loss_fn_config: Mapping[str, float | str] | None,
        *,
        forward_only: bool,
    ) -> APIFuture[ForwardBackwardOutput]:
        submitter = self._submitter
        submitter.check_open()
        config = validate_loss_fn(loss_fn, loss_fn_config)
        datums = validate_data(data, loss_fn, pack=not self._runtime.legacy)
        if self._runtime.legacy:
            numeric_config(config)  # refuse string values before anything is sent
        chunks = chunk_data(self._runtime, datums)
        first = submitter.sequencer.reserve(len(chunks))
        tracker = submitter.tracker("Forward" if forward_only else "ForwardBackward")
        submit = submitter.submit_chunks(
            chunks, first, loss_fn, config, forward_only=forward_only, tracker=tracker
        )

        async def resolve(submitted: list[UntypedAPIFuture]) -> ForwardBackwardOutput:
            return await submitter.resolve_chunks(submitted, chunks, tracker)

        return submitter.submit_then_resolve(submit, resolve, tracker)

    # -- optimizer -----------------------------------------------------------------------

    def optim_step(
        self, optim_params: OptimParams | None = None, *, adam_params: AdamParams | None = None
    ) -> APIFuture[OptimStepResponse]:
        """Apply the accumulated gradients with Adam (or another optimizer family).

        Args:
            optim_params: `AdamParams` or `DimuonParams`, matching the run's optimizer.
            adam_params: The same as `optim_params` for Adam, by keyword.

        Raises:
            ValidationError: Both or neither given, not optimizer parameters, parameters of
                another family than the run's, or out-of-range values.
        """
        with sdk_method("TrainingClient.optim_step"):
            self._submitter.check_open()
            params = choose_optimizer(optim_params, adam_params, self._info.optimizer_config)
            return self._submitter.single(
                "OptimStep",
                lambda seq_id: api.training.optim_step(
                    self._runtime.invoker,
                    OptimStepRequest(
                        model_id=self.model_id,
                        seq_id=seq_id,
                        adam_params=params if isinstance(params, AdamParams) else None,
                        optimizer_params=params if isinstance(params, DimuonParams) else None,
                    ),
                ),
                OptimStepResponse,
            )

    def train_step(
        self,
        data: Sequence[Datum],
        loss_fn: LossFn,
        adam_params: OptimParams,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[tuple[ForwardBackwardOutput, OptimStepResponse]]:
        """Submit forward_backward and optim_step in the same clock cycle.

        Both are checked before either is sent. The returned future resolves to both
        results; cancelling it stops waiting for both (see `APIFuture.cancel`).

        Raises:
            ValidationError: Bad data, loss or optimizer parameters (nothing is sent).
        """
        with sdk_method("TrainingClient.train_step"):
            choose_optimizer(adam_params, None, self._info.optimizer_config)
            fwd_bwd = self.forward_backward(data, loss_fn, loss_fn_config)
            optim = self.optim_step(adam_params)

            async def both() -> tuple[ForwardBackwardOutput, OptimStepResponse]:
                try:
                    return await fwd_bwd, await optim
                except asyncio.CancelledError:
                    fwd_bwd.cancel()
                    optim.cancel()
                    raise

            return APIFuture.start(both(), fwd_bwd.tracker, name="tinkex-train-step")

    def unload_model(self) -> APIFuture[UnloadModelResponse]:
        """Free the run's model on the server once everything submitted before it has run.

        The client accepts no further requests afterwards (they raise `ClosedError`): the
        unload carries no seq_id, so anything sent after it would wait for a gap forever.
        """
        with sdk_method("TrainingClient.unload_model"):
            future = self._submitter.single(
                "UnloadModel",
                lambda _seq_id: api.models.unload(
                    self._runtime.invoker, UnloadModelRequest(model_id=self.model_id)
                ),
                UnloadModelResponse,
            )
            self._submitter.unloaded = True
            return future

    # -- weights (see `TrainingWeights`) ---------------------------------------------------

    def save_state(
        self,
        name: str,
        ttl_seconds: int | None = None,
        overwrite: bool = False,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsResponse]:
        """Save weights and optimizer state as ``tinker://<run>/weights/<name>``."""
        return self._weights.save_state(name, ttl_seconds, overwrite, user_metadata)

    def save_weights_for_sampler(
        self,
        name: str,
        ttl_seconds: int | None = None,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsForSamplerResponse]:
        """Save sampler weights as ``tinker://<run>/sampler_weights/<name>``."""
        return self._weights.save_weights_for_sampler(name, ttl_seconds, user_metadata)

    def save_weights_external(
        self,
        name: str,
        ttl_seconds: int | None = None,
        age_encryption_recipients: list[str] | None = None,
    ) -> APIFuture[SaveWeightsExternalResponse]:
        """Export the adapter in a portable format as ``tinker://<run>/external_weights/<name>``."""
        return self._weights.save_weights_external(name, ttl_seconds, age_encryption_recipients)

    def load_state(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[LoadWeightsResponse]:
        """Load weights only (the optimizer state is reset) from a ``weights/`` checkpoint."""
        return self._weights.load_state(path, weights_access_token)

    def load_state_with_optimizer(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[LoadWeightsResponse]:
        """Load weights and the Adam state from a ``weights/`` checkpoint."""
        return self._weights.load_state_with_optimizer(path, weights_access_token)

    def _save_weights_and_get_sampling_client(
        self,
        *,
        record_stability_info: bool = False,
        kind: Literal["snapshot", "inflight"] = ("snapshot"),
    ) -> APIFuture[SamplingClient]:
        """Save temporary sampler weights and return a SamplingClient over them.

        The weights are ephemeral (they have no name and no checkpoint): use
        `save_weights_for_sampler` for a checkpoint that outlives the session.
        """
        return self._weights.save_weights_and_get_sampling_client(
            record_stability_info=record_stability_info, kind=kind
        )

    # The manifest gives it the official SDK's ignored ``name`` parameter; the mixin's
    # descriptor is shadowed by a method defined here, so the wrapper is applied here.
    if TYPE_CHECKING:

        def save_weights_and_get_sampling_client(
            self,
            *,
            record_stability_info: bool = False,
            kind: Literal["snapshot", "inflight"] = ("snapshot"),
        ) -> APIFuture[SamplingClient]:
            """Save temporary sampler weights and return a SamplingClient over them."""
            ...

    else:
        save_weights_and_get_sampling_client = vars(TrainingClientOfficialNames)[
            "save_weights_and_get_sampling_client"
        ].wrap(_save_weights_and_get_sampling_client)

    async def create_sampling_client(
        self, model_path: str, *, record_stability_info: bool = False
    ) -> SamplingClient:
        """A SamplingClient over saved sampler weights (``tinker://…/sampler_weights/…``)."""
        return await self._weights.create_sampling_client(
            model_path, record_stability_info=record_stability_info
        )
