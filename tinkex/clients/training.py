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
from tinkex.clients.futures import APIFuture, FutureState, FutureTracker
from tinkex.clients.official_names import TrainingClientOfficialNames
from tinkex.clients.operation_span import traced
from tinkex.clients.training_checks import (
    CUSTOM_LOSS,
    OptimParams,
    choose_optimizer,
    validate_data,
    validate_loss_fn,
)
from tinkex.clients.training_weights import TrainingWeights
from tinkex.clients.training_wire import chunk_data, combine_outputs, numeric_config, submit_chunk
from tinkex.domain.headers import sdk_method
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
from tinkex.flows.bytes_semaphore import BytesSemaphore

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from tinkex.clients.custom_loss_runner import CustomLoss
    from tinkex.domain.types import Datum, LossFn

__all__ = ["TrainingClient"]


class TrainingClient(TrainingClientOfficialNames, TrainingWeights):
    """A LoRA training run on the service.

    Obtained from `ServiceClient.create_lora_training_client` or
    `ServiceClient.create_training_client_from_state`; not constructed directly.

    Attributes:
        model_id: The training run id (``<session>:train:<n>``).
        base_model: The model the run fine-tunes.
    """

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
            self._check_open()
            if not callable(loss_fn):
                raise ValidationError("must be callable", field="loss_fn")
            datums = validate_data(data, CUSTOM_LOSS, pack=not self._runtime.legacy)
            chunks = chunk_data(self._runtime, datums)
            forward = forward_chunks(chunks)  # checks target_tokens before anything is sent
            first = self._sequencer.reserve(2 * len(chunks))
            tracker = self._tracker("ForwardBackward")
            future = traced(
                self._runtime.observability,
                tracker.request_type,
                lambda: APIFuture.start(
                    run_custom_loss(self, chunks, forward, first, loss_fn, tracker),
                    tracker,
                    name="tinkex-forward-backward-custom",
                ),
            )
            # Cancelled before it ran, it never sent its reserved ids: like any failure
            # between the two phases, that leaves the run's sequence unknowable.
            future.add_done_callback(self._poison_if_cancelled)
            return future

    def _fwdbwd(
        self,
        data: Sequence[Datum],
        loss_fn: str,
        loss_fn_config: Mapping[str, float | str] | None,
        *,
        forward_only: bool,
    ) -> APIFuture[ForwardBackwardOutput]:
        self._check_open()
        config = validate_loss_fn(loss_fn, loss_fn_config)
        datums = validate_data(data, loss_fn, pack=not self._runtime.legacy)
        if self._runtime.legacy:
            numeric_config(config)  # refuse string values before anything is sent
        chunks = chunk_data(self._runtime, datums)
        first = self._sequencer.reserve(len(chunks))
        tracker = self._tracker("Forward" if forward_only else "ForwardBackward")
        submit = self.submit_chunks(
            chunks, first, loss_fn, config, forward_only=forward_only, tracker=tracker
        )

        async def resolve(submitted: list[UntypedAPIFuture]) -> ForwardBackwardOutput:
            return await self.resolve_chunks(submitted, chunks, tracker)

        return self._submit_then_resolve(submit, resolve, tracker)

    async def run_chunks(
        self,
        chunks: list[list[Datum]],
        first: int,
        loss_fn: str,
        config: dict[str, float | str] | None,
        *,
        forward_only: bool,
        tracker: FutureTracker,
    ) -> ForwardBackwardOutput:
        """Submit pre-chunked data on reserved ids (see `submit_chunks`) and combine results.

        Used by the custom-loss runner, which reserves the ids of both its phases up front.
        """
        submitted = await self.submit_chunks(
            chunks, first, loss_fn, config, forward_only=forward_only, tracker=tracker
        )
        return await self.resolve_chunks(submitted, chunks, tracker)

    async def resolve_chunks(
        self,
        submitted: list[UntypedAPIFuture],
        chunks: list[list[Datum]],
        tracker: FutureTracker,
    ) -> ForwardBackwardOutput:
        """Wait for every chunk's result and fold them into one (spec 8.3)."""
        results = await asyncio.gather(
            *(self._resolve(f, ForwardBackwardOutput, tracker) for f in submitted)
        )
        return combine_outputs(results, [len(c) for c in chunks])

    async def submit_chunks(
        self,
        chunks: list[list[Datum]],
        first: int,
        loss_fn: str,
        config: dict[str, float | str] | None,
        *,
        forward_only: bool,
        tracker: FutureTracker,
    ) -> list[UntypedAPIFuture]:
        """Submit pre-chunked data on reserved ids ``first..first+len(chunks)-1``, in turn.

        Returns:
            The server's future of each chunk, in chunk order.
        """
        # Parallel chunks overlap only about two full chunks' bytes at a time: each body is
        # encoded when its send starts and freed when its POST returns, so a large batch never
        # holds every encoded chunk at once (a batch of small chunks still goes out together).
        window = BytesSemaphore(self._runtime.server_config.fwdbwd_max_chunk_bytes_count)

        async def send(index: int) -> UntypedAPIFuture:
            return await submit_chunk(
                self._runtime,
                model_id=self.model_id,
                seq_id=first + index + 1,
                chunk=chunks[index],
                loss_fn=loss_fn,
                loss_fn_config=config,
                forward_only=forward_only,
                window=window,
            )

        submitted: list[UntypedAPIFuture]
        if self._runtime.server_config.parallel_fwdbwd_chunks and not self._runtime.legacy:
            # A chunk that is never accepted leaves a seq_id gap the server would wait on
            # forever: the turn poisons the client instead of letting later requests out.
            async with self._sequencer.turn(first, len(chunks), poison_on_error=True):
                # The server will not start later seq_ids before the first arrives, so the
                # first chunk goes last and finds the rest of the batch queued.
                rest = await asyncio.gather(*(send(i) for i in range(1, len(chunks))))
                submitted = [await send(0), *rest]
        else:
            submitted = []
            for index in range(len(chunks)):
                async with self._sequencer.turn(first + index, poison_on_error=True):
                    submitted.append(await send(index))
        tracker.mark_submitted(submitted[0].request_id)
        return submitted

    def _poison_if_cancelled(self, future: APIFuture[ForwardBackwardOutput]) -> None:
        if future.state is FutureState.CANCELLED:
            self._sequencer.poison(asyncio.CancelledError("forward_backward_custom cancelled"))

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
            self._check_open()
            params = choose_optimizer(optim_params, adam_params, self._info.optimizer_config)
            return self._single(
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
            future = self._single(
                "UnloadModel",
                lambda _seq_id: api.models.unload(
                    self._runtime.invoker, UnloadModelRequest(model_id=self.model_id)
                ),
                UnloadModelResponse,
            )
            self._unloaded = True
            return future
