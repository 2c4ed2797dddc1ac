"""ServiceClient: the entry point. Owns the session and creates the other clients.

```python
async with tinkex.ServiceClient() as service:          # config + session on enter
    training = await service.create_lora_training_client("Qwen/Qwen3-8B", rank=32)
    ...
                                                         # session finished on exit
```
Everything runs on the caller's event loop. Configuration comes from the arguments, then the
environment (`TINKER_API_KEY`, `TINKER_BASE_URL`...); ``base_url="local"`` selects the
embedded backend, which is never chosen otherwise.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Self

from tinkex import api
from tinkex.bootstrap.adapters import default_adapters
from tinkex.bootstrap.runtime import Runtime, SessionOptions
from tinkex.clients.sampling import SamplingClient, create_sampling_client
from tinkex.clients.training import TrainingClient
from tinkex.config import load_config
from tinkex.domain.headers import sdk_method
from tinkex.domain.paths import require_kind
from tinkex.domain.types import (
    CreateModelRequest,
    CreateModelResponse,
    GetInfoRequest,
    GetServerCapabilitiesResponse,
    LoadWeightsRequest,
    LoadWeightsResponse,
    LoraConfig,
    OptimizerConfig,
)
from tinkex.errors import ClosedError, ValidationError
from tinkex.ports.sessions import SessionEndReason

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from types import TracebackType

    from tinkex.bootstrap.adapters import Adapters
    from tinkex.clients.rest import RestClient
    from tinkex.local import LocalBackend
    from tinkex.manifest.schema import Manifest

__all__ = ["ServiceClient"]


class ServiceClient:
    """A session with the Tinker service, and the factory of every other client.

    Args:
        api_key: The API key (``tml-…``); defaults to ``TINKER_API_KEY``.
        base_url: The service URL; defaults to ``TINKER_BASE_URL``, then the public service.
            ``"local"`` runs the embedded backend in-process.
        user_metadata: Stored with the session.
        project_id: The project new runs belong to; defaults to ``TINKER_PROJECT_ID``.
        display_name: A human-readable session name.
        tags: Session tags; default ``TINKER_TAGS``.
        telemetry: Send SDK telemetry; default ``TINKER_TELEMETRY`` (on).
        log_level: ``debug``/``info``/...; default ``TINKER_LOG``.
        default_headers: Extra headers on every request.
        backend: An embedded backend instance to talk to in-process (tests, notebooks).
        local_data_dir: Where ``base_url="local"`` keeps checkpoints (default: user cache).
        manifest: Another manifest than the shipped one.
        adapters: Fully custom adapters (transport pool, clock); overrides the above.
        env: The environment to read (default `os.environ`).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        display_name: str | None = None,
        tags: list[str] | None = None,
        telemetry: bool | None = None,
        log_level: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        backend: LocalBackend | None = None,
        local_data_dir: Path | None = None,
        manifest: Manifest | None = None,
        adapters: Adapters | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if backend is not None and base_url is None:
            base_url = "local"
        self._config = load_config(
            api_key=api_key,
            base_url=base_url,
            project_id=project_id,
            tags=tags,
            telemetry=telemetry,
            log_level=log_level,
            default_headers=default_headers,
            env=env,
        )
        self._runtime = Runtime(
            self._config,
            adapters
            or default_adapters(self._config, backend=backend, local_data_dir=local_data_dir),
            manifest=manifest,
            session=SessionOptions(
                user_metadata=dict(user_metadata or {}),
                project_id=project_id,
                display_name=display_name,
            ),
        )
        self._start_lock = asyncio.Lock()
        self._started = False

    def __repr__(self) -> str:
        return f"<ServiceClient base_url={self._config.base_url!r} started={self._started}>"

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            reason = SessionEndReason.SUCCESS
        elif isinstance(exc, Exception):
            reason = SessionEndReason.ERRORED
        else:
            reason = SessionEndReason.INTERRUPTED
        await self.close(reason, None if exc is None else type(exc).__name__)

    async def start(self) -> None:
        """Negotiate the server config and create the session (done once; safe to repeat)."""
        async with self._start_lock:
            if self._runtime.closed:
                raise ClosedError("ServiceClient is closed")
            if not self._started:
                await self._runtime.start()
                self._started = True

    async def close(
        self, status: SessionEndReason | str = SessionEndReason.SUCCESS, detail: str | None = None
    ) -> None:
        """Finish the session with `status` and release every connection (idempotent)."""
        await self._runtime.aclose(SessionEndReason(status), detail)

    @property
    def runtime(self) -> Runtime:
        """The wired client stack (for advanced use and tests)."""
        return self._runtime

    async def session_id(self) -> str:
        """The server's id of this session."""
        await self.start()
        return await self._runtime.session_id()

    # -- factories ---------------------------------------------------------------------

    async def create_lora_training_client(
        self,
        base_model: str,
        rank: int = 32,
        seed: int | None = None,
        train_mlp: bool = True,
        train_attn: bool = True,
        train_unembed: bool = True,
        user_metadata: Mapping[str, Any] | None = None,
        optimizer: OptimizerConfig | None = None,
    ) -> TrainingClient:
        """Create a LoRA training run and return its client.

        Raises:
            ValidationError: Bad rank, no trainable part, or an empty model name.
        """
        with sdk_method("ServiceClient.create_lora_training_client"):
            if not base_model:
                raise ValidationError("must name a base model", field="base_model")
            rank_value: object = rank  # untyped callers: check at runtime
            if isinstance(rank_value, bool) or not isinstance(rank_value, int) or rank_value < 1:
                raise ValidationError("must be a positive integer", field="rank")
            if not (train_mlp or train_attn or train_unembed):
                raise ValidationError(
                    "at least one of train_mlp, train_attn, train_unembed must be true",
                    field="train_mlp",
                )
            await self.start()
            runtime = self._runtime
            request = CreateModelRequest(
                session_id=await runtime.session_id(),
                model_seq_id=runtime.next_model_seq_id(),
                base_model=base_model,
                user_metadata=dict(user_metadata) if user_metadata is not None else None,
                lora_config=LoraConfig(
                    rank=rank,
                    seed=seed,
                    train_mlp=train_mlp,
                    train_attn=train_attn,
                    train_unembed=train_unembed,
                ),
                **({"optimizer_config": optimizer} if optimizer is not None else {}),
            )
            submitted = await api.models.create(runtime.invoker, request)
            created = await runtime.resolver.resolve(
                submitted.request_id, result_type=CreateModelResponse, request_type="CreateModel"
            )
            return await self._training_client(created.model_id, base_model)

    async def create_training_client_from_state(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        weights_access_token: str | None = None,
        optimizer: OptimizerConfig | None = None,
    ) -> TrainingClient:
        """A new training run initialised with a checkpoint's weights (fresh optimizer)."""
        with sdk_method("ServiceClient.create_training_client_from_state"):
            return await self._from_state(
                path, base_model, user_metadata, weights_access_token, optimizer, False
            )

    async def create_training_client_from_state_with_optimizer(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        weights_access_token: str | None = None,
    ) -> TrainingClient:
        """A new training run initialised with a checkpoint's weights and Adam state."""
        with sdk_method("ServiceClient.create_training_client_from_state_with_optimizer"):
            return await self._from_state(
                path, base_model, user_metadata, weights_access_token, None, True
            )

    async def _from_state(
        self,
        path: str,
        base_model: str | None,
        user_metadata: Mapping[str, Any] | None,
        token: str | None,
        optimizer_config: OptimizerConfig | None,
        with_optimizer: bool,
    ) -> TrainingClient:
        checkpoint = require_kind(path, {"training"}, field="path")
        await self.start()
        runtime = self._runtime
        session_id = await runtime.session_id()
        model_seq_id = runtime.next_model_seq_id()
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
            submitted.request_id, result_type=LoadWeightsResponse, request_type="LoadWeights"
        )
        model_id = loaded.model_id or f"{session_id}:train:{model_seq_id}"
        return await self._training_client(model_id, base_model)

    async def _training_client(self, model_id: str, base_model: str | None) -> TrainingClient:
        runtime = self._runtime
        info = await api.models.get_info(runtime.invoker, GetInfoRequest(model_id=model_id))
        resolved = base_model or info.model_data.model_name or info.model_name
        if resolved is None:
            raise ValidationError("the server did not say which base model the run uses")
        return TrainingClient(runtime, model_id=model_id, base_model=resolved, info=info)

    async def create_sampling_client(
        self,
        model_path: str | None = None,
        base_model: str | None = None,
        *,
        record_stability_info: bool = False,
    ) -> SamplingClient:
        """A client sampling from a base model, or from ``tinker://…/sampler_weights/…``."""
        with sdk_method("ServiceClient.create_sampling_client"):
            await self.start()
            return await create_sampling_client(
                self._runtime,
                model_path=model_path,
                base_model=base_model,
                record_stability_info=record_stability_info,
            )

    def create_rest_client(self) -> RestClient:
        """A client for runs, checkpoints, sessions and samplers (no session needed)."""
        from tinkex.clients.rest import RestClient

        return RestClient(self._runtime.invoker)

    async def get_server_capabilities(self) -> GetServerCapabilitiesResponse:
        """The models the service supports."""
        with sdk_method("ServiceClient.get_server_capabilities"):
            await self.start()
            return await api.service.get_server_capabilities(self._runtime.invoker)
