"""Saving and loading weights of a training run: the weights helper of `TrainingClient`.

`TrainingClient` is composed of a `TrainingSubmitter` and this helper; its public weights
methods delegate here. Every request goes through the submitter, in the run's turn order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from tinkex import api
from tinkex.domain.headers import sdk_method
from tinkex.domain.paths import require_kind
from tinkex.domain.text_checks import require_str_map, require_text
from tinkex.domain.ttl import validate_ttl
from tinkex.domain.types import (
    LoadWeightsRequest,
    LoadWeightsResponse,
    SaveWeightsExternalRequest,
    SaveWeightsExternalResponse,
    SaveWeightsForSamplerRequest,
    SaveWeightsForSamplerResponse,
    SaveWeightsRequest,
    SaveWeightsResponse,
)
from tinkex.domain.wire_checks import require_bool
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from tinkex.clients.futures import APIFuture
    from tinkex.clients.sampling import SamplingClient
    from tinkex.clients.training_submitter import TrainingSubmitter

__all__ = ["TrainingWeights"]

_SAMPLER_KINDS = ("snapshot", "inflight")
_MAX_RECIPIENTS = 10


class TrainingWeights:
    """Checkpoints: save, load, export, and sampling clients over saved weights.

    Args:
        submitter: Sends the run's requests in turn and resolves their futures.
        base_model: The model the run fine-tunes (the base of its sampling clients).
    """

    def __init__(self, submitter: TrainingSubmitter, base_model: str) -> None:
        self._submitter = submitter
        self._base_model = base_model

    def save_state(
        self,
        name: str,
        ttl_seconds: int | None = None,
        overwrite: bool = False,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsResponse]:
        """Save weights and optimizer state as ``tinker://<run>/weights/<name>``."""
        with sdk_method("TrainingClient.save_state"):
            _check_name(name)
            ttl = validate_ttl(ttl_seconds)
            require_bool(overwrite, "overwrite")
            require_str_map(user_metadata, "user_metadata")
            return self._submitter.single(
                "SaveWeights",
                lambda seq_id: api.weights.save(
                    self._submitter.runtime.invoker,
                    SaveWeightsRequest(
                        model_id=self._submitter.model_id,
                        path=name,
                        seq_id=seq_id,
                        ttl_seconds=ttl,
                        overwrite=overwrite,
                        user_metadata=user_metadata,
                    ),
                ),
                SaveWeightsResponse,
            )

    def save_weights_for_sampler(
        self,
        name: str,
        ttl_seconds: int | None = None,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[SaveWeightsForSamplerResponse]:
        """Save sampler weights as ``tinker://<run>/sampler_weights/<name>``."""
        with sdk_method("TrainingClient.save_weights_for_sampler"):
            _check_name(name)
            ttl = validate_ttl(ttl_seconds)
            require_str_map(user_metadata, "user_metadata")
            return self._submitter.single(
                "SaveWeightsForSampler",
                lambda seq_id: api.weights.save_for_sampler(
                    self._submitter.runtime.invoker,
                    SaveWeightsForSamplerRequest(
                        model_id=self._submitter.model_id,
                        path=name,
                        seq_id=seq_id,
                        ttl_seconds=ttl,
                        user_metadata=user_metadata,
                    ),
                ),
                SaveWeightsForSamplerResponse,
            )

    def save_weights_external(
        self,
        name: str,
        ttl_seconds: int | None = None,
        age_encryption_recipients: list[str] | None = None,
    ) -> APIFuture[SaveWeightsExternalResponse]:
        """Export the adapter in a portable format as ``tinker://<run>/external_weights/<name>``."""
        with sdk_method("TrainingClient.save_weights_external"):
            _check_name(name)
            ttl = validate_ttl(ttl_seconds)
            _check_recipients(age_encryption_recipients)
            return self._submitter.single(
                "SaveWeightsExternal",
                lambda seq_id: api.weights.save_external(
                    self._submitter.runtime.invoker,
                    SaveWeightsExternalRequest(
                        model_id=self._submitter.model_id,
                        path=name,
                        seq_id=seq_id,
                        ttl_seconds=ttl,
                        age_encryption_recipients=age_encryption_recipients,
                    ),
                ),
                SaveWeightsExternalResponse,
            )

    def load_state(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[LoadWeightsResponse]:
        """Load weights only (the optimizer state is reset) from a ``weights/`` checkpoint."""
        with sdk_method("TrainingClient.load_state"):
            return self._load(path, optimizer=False, token=weights_access_token)

    def load_state_with_optimizer(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[LoadWeightsResponse]:
        """Load weights and the Adam state from a ``weights/`` checkpoint."""
        with sdk_method("TrainingClient.load_state_with_optimizer"):
            return self._load(path, optimizer=True, token=weights_access_token)

    def _load(
        self, path: str, *, optimizer: bool, token: str | None
    ) -> APIFuture[LoadWeightsResponse]:
        self._submitter.check_open()
        parsed = require_kind(path, {"training"}, field="path")
        if token is not None:
            require_text(token, "weights_access_token")
        return self._submitter.single(
            "LoadWeights",
            lambda seq_id: api.weights.load(
                self._submitter.runtime.invoker,
                LoadWeightsRequest(
                    model_id=self._submitter.model_id,
                    seq_id=seq_id,
                    path=parsed.tinker_path,
                    optimizer=optimizer,
                    weights_access_token=token,
                ),
            ),
            LoadWeightsResponse,
        )

    def save_weights_and_get_sampling_client(
        self,
        *,
        record_stability_info: bool = False,
        kind: Literal["snapshot", "inflight"] = ("snapshot"),
    ) -> APIFuture[SamplingClient]:
        """Save temporary sampler weights and return a SamplingClient over them.

        The weights are ephemeral (they have no name and no checkpoint): use
        `save_weights_for_sampler` for a checkpoint that outlives the session.
        """
        from tinkex.clients.sampling import SamplingClient

        with sdk_method("TrainingClient.save_weights_and_get_sampling_client"):
            require_bool(record_stability_info, "record_stability_info")
            given: object = kind  # callers may be untyped
            if not isinstance(given, str) or given not in _SAMPLER_KINDS:
                raise ValidationError(
                    f"must be 'snapshot' or 'inflight', got {kind!r}", field="kind"
                )
            self._submitter.check_open()
            sampling_seq = self._submitter.runtime.session.next_sampling_session_seq_id()
            saved = self._submitter.single(
                "SaveWeightsForSampler",
                lambda seq_id: api.weights.save_for_sampler(
                    self._submitter.runtime.invoker,
                    SaveWeightsForSamplerRequest(
                        model_id=self._submitter.model_id,
                        sampling_session_seq_id=sampling_seq,
                        kind=kind,
                        seq_id=seq_id,
                    ),
                ),
                SaveWeightsForSamplerResponse,
            )

            def build(response: SaveWeightsForSamplerResponse) -> SamplingClient:
                if response.sampling_session_id is None:
                    raise ValidationError("the server returned no sampling session id")
                return SamplingClient(
                    self._submitter.runtime,
                    sampling_session_id=response.sampling_session_id,
                    base_model=self._base_model,
                    record_stability_info=record_stability_info,
                )

            return saved.map(build)

    async def create_sampling_client(
        self, model_path: str, *, record_stability_info: bool = False
    ) -> SamplingClient:
        """A SamplingClient over saved sampler weights (``tinker://…/sampler_weights/…``)."""
        from tinkex.clients.sampling import create_sampling_client

        with sdk_method("TrainingClient.create_sampling_client"):
            return await create_sampling_client(
                self._submitter.runtime,
                model_path=model_path,
                base_model=self._base_model,
                record_stability_info=record_stability_info,
            )


def _check_name(name: str) -> None:
    value = require_text(name, "name")
    # The name becomes a path segment on the server: no separators, no '.' or '..'.
    if "/" in value or "\x00" in value or value in (".", ".."):
        raise ValidationError(
            f"must be a name without '/' or NUL, and not '.' or '..', got {value!r}",
            field="name",
        )


def _check_recipients(recipients: object) -> None:
    field = "age_encryption_recipients"
    if recipients is None:
        return
    if not isinstance(recipients, list | tuple):
        raise ValidationError(
            f"must be a list of strings, got {type(recipients).__name__}", field=field
        )
    if len(recipients) > _MAX_RECIPIENTS:
        raise ValidationError(f"at most {_MAX_RECIPIENTS} recipients", field=field)
    for index, recipient in enumerate(recipients):
        require_text(recipient, f"{field}[{index}]")
