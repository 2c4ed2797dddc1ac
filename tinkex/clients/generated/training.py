# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""`tinkex.TrainingClient`: the class its manifest entry declares.

Generated from ``clients.training`` and the flows of that client, on the hand-written
`TrainingClientCore` (``tinkex.clients.training_core:TrainingClientCore``) and the domain hooks of
``tinkex.clients.training_hooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.clients import training_hooks
from tinkex.clients.aliasing import with_deprecated
from tinkex.clients.official_names import TrainingClientOfficialNames
from tinkex.clients.training_core import TrainingClientCore
from tinkex.domain.headers import sdk_method

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Literal

    from tinkex import APIFuture, SamplingClient
    from tinkex.clients.custom_loss_runner import CustomLoss
    from tinkex.clients.training_checks import OptimParams
    from tinkex.domain.types import (
        AdamParams,
        Datum,
        ForwardBackwardOutput,
        GetInfoResponse,
        LoadWeightsResponse,
        LossFn,
        OptimStepResponse,
        SaveWeightsExternalResponse,
        SaveWeightsForSamplerResponse,
        SaveWeightsResponse,
        UnloadModelResponse,
    )
    from tinkex.tokenizer import Tokenizer

__all__ = ["TrainingClient"]


class TrainingClient(TrainingClientOfficialNames, TrainingClientCore):
    """A LoRA training run on the service.

    Obtained from `ServiceClient.create_lora_training_client` or
    `ServiceClient.create_training_client_from_state`; not constructed directly.

    Its public methods are generated from the manifest (`TrainingClientMethods`) and call the
    domain hooks of `tinkex.clients.training_hooks`, which work through the client's private
    `TrainingSubmitter` (turn order, trackers, chunk submission, resolution) and
    `TrainingWeights` (checkpoints).

    Attributes:
        model_id: The training run id (``<session>:train:<n>``).
        base_model: The model the run fine-tunes.
    """

    def forward(
        self,
        data: Sequence[Datum],
        loss_fn: LossFn,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """The loss and per-token logprobs, without gradients (forward_only=true).

        Answered by the ``forward`` domain hook.
        """
        with sdk_method("TrainingClient.forward"):
            return training_hooks.forward(
                client=self, data=data, loss_fn=loss_fn, loss_fn_config=loss_fn_config
            )

    def forward_backward(
        self,
        data: Sequence[Datum],
        loss_fn: LossFn,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[ForwardBackwardOutput]:
        """The loss, with its gradients accumulated on the server.

        Answered by the ``forward_backward`` domain hook.
        """
        with sdk_method("TrainingClient.forward_backward"):
            return training_hooks.forward_backward(
                client=self, data=data, loss_fn=loss_fn, loss_fn_config=loss_fn_config
            )

    def forward_backward_custom(
        self, data: Sequence[Datum], loss_fn: CustomLoss
    ) -> APIFuture[ForwardBackwardOutput]:
        """Client-side custom loss in two phases (forward, then forward_backward with -grad).

        Answered by the ``forward_backward_custom`` domain hook.
        """
        with sdk_method("TrainingClient.forward_backward_custom"):
            return training_hooks.forward_backward_custom(client=self, data=data, loss_fn=loss_fn)

    def optim_step(
        self, optim_params: OptimParams | None = None, *, adam_params: AdamParams | None = None
    ) -> APIFuture[OptimStepResponse]:
        """Apply the accumulated gradients (Adam, or the run's optimizer family).

        Answered by the ``optim_step`` domain hook.
        """
        with sdk_method("TrainingClient.optim_step"):
            return training_hooks.optim_step(
                client=self, optim_params=optim_params, adam_params=adam_params
            )

    def save_state(
        self,
        name: str,
        ttl_seconds: int | None = None,
        overwrite: bool = False,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsResponse]:
        """Save weights and optimizer state as tinker://<run>/weights/<name>.

        Answered by the ``save_state`` domain hook.
        """
        with sdk_method("TrainingClient.save_state"):
            return training_hooks.save_state(
                client=self,
                name=name,
                ttl_seconds=ttl_seconds,
                overwrite=overwrite,
                user_metadata=user_metadata,
            )

    def load_state(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[LoadWeightsResponse]:
        """Load a weights/ checkpoint's weights (the optimizer state is reset).

        Answered by the ``load_state`` domain hook.
        """
        with sdk_method("TrainingClient.load_state"):
            return training_hooks.load_state(
                client=self, path=path, weights_access_token=weights_access_token
            )

    def load_state_with_optimizer(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[LoadWeightsResponse]:
        """Load a weights/ checkpoint's weights and optimizer state.

        Answered by the ``load_state_with_optimizer`` domain hook.
        """
        with sdk_method("TrainingClient.load_state_with_optimizer"):
            return training_hooks.load_state_with_optimizer(
                client=self, path=path, weights_access_token=weights_access_token
            )

    def save_weights_for_sampler(
        self, name: str, ttl_seconds: int | None = None, user_metadata: dict[str, str] | None = None
    ) -> APIFuture[SaveWeightsForSamplerResponse]:
        """Save sampler weights as tinker://<run>/sampler_weights/<name>.

        Answered by the ``save_weights_for_sampler`` domain hook.
        """
        with sdk_method("TrainingClient.save_weights_for_sampler"):
            return training_hooks.save_weights_for_sampler(
                client=self, name=name, ttl_seconds=ttl_seconds, user_metadata=user_metadata
            )

    def save_weights_external(
        self,
        name: str,
        ttl_seconds: int | None = None,
        age_encryption_recipients: list[str] | None = None,
    ) -> APIFuture[SaveWeightsExternalResponse]:
        """Export the adapter as tinker://<run>/external_weights/<name>.

        Answered by the ``save_weights_external`` domain hook.
        """
        with sdk_method("TrainingClient.save_weights_external"):
            return training_hooks.save_weights_external(
                client=self,
                name=name,
                ttl_seconds=ttl_seconds,
                age_encryption_recipients=age_encryption_recipients,
            )

    def save_weights_and_get_sampling_client(
        self,
        *,
        record_stability_info: bool = False,
        kind: Literal["snapshot", "inflight"] = "snapshot",
    ) -> APIFuture[SamplingClient]:
        """Save ephemeral sampler weights and return a SamplingClient over them.

        Answered by the ``save_weights_and_get_sampling_client`` domain hook.
        """
        with sdk_method("TrainingClient.save_weights_and_get_sampling_client"):
            return training_hooks.save_weights_and_get_sampling_client(
                client=self, record_stability_info=record_stability_info, kind=kind
            )

    if not TYPE_CHECKING:
        save_weights_and_get_sampling_client = with_deprecated(
            TrainingClientOfficialNames, save_weights_and_get_sampling_client
        )

    async def create_sampling_client(
        self, model_path: str, *, record_stability_info: bool = False
    ) -> SamplingClient:
        """A SamplingClient over saved sampler weights (tinker://.../sampler_weights/...).

        Answered by the ``create_sampling_client`` domain hook.
        """
        with sdk_method("TrainingClient.create_sampling_client"):
            return await training_hooks.create_sampling_client(
                client=self, model_path=model_path, record_stability_info=record_stability_info
            )

    async def get_info(self) -> GetInfoResponse:
        """The run's model, tokenizer and LoRA settings (as fetched when the client was made).

        Answered by the ``get_info`` domain hook.
        """
        with sdk_method("TrainingClient.get_info"):
            return await training_hooks.get_info(client=self)

    def get_tokenizer(self) -> Tokenizer:
        """The tokenizer of the base model.

        Answered by the ``get_tokenizer`` domain hook.
        """
        return training_hooks.get_tokenizer(client=self)

    def get_console_url(self) -> str:
        """The run's page in the web console.

        Answered by the ``get_console_url`` domain hook.
        """
        return training_hooks.get_console_url(client=self)

    def train_step(
        self,
        data: Sequence[Datum],
        loss_fn: LossFn,
        adam_params: OptimParams,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[tuple[ForwardBackwardOutput, OptimStepResponse]]:
        """forward_backward and optim_step submitted together, checked before either is sent.

        Answered by the ``train_step`` domain hook.
        """
        with sdk_method("TrainingClient.train_step"):
            return training_hooks.train_step(
                client=self,
                data=data,
                loss_fn=loss_fn,
                adam_params=adam_params,
                loss_fn_config=loss_fn_config,
            )

    def unload_model(self) -> APIFuture[UnloadModelResponse]:
        """Free the run's model once everything submitted before has run.

        Answered by the ``unload_model`` domain hook.
        """
        with sdk_method("TrainingClient.unload_model"):
            return training_hooks.unload_model(client=self)
