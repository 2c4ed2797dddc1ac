# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""`tinkex.ServiceClient`: the class its manifest entry declares.

Generated from ``clients.service`` and the flows of that client, on the hand-written
`ServiceClientCore` (``tinkex.clients.service_core:ServiceClientCore``) and the domain hooks of
``tinkex.clients.service_hooks``.

The state the methods read (``${state.<name>}``):

* ``context`` (ClientContext): The client stack, started on first use (ClosedError once closed).

* ``invoker`` (Invoker): read by the flows.

* ``resolver`` (FutureResolver): read by the flows.

* ``json_era`` (bool): read by the flows.

* ``session_id`` (str): Created lazily on first use.

* ``training_client_counter`` (int): Next model_seq_id (starts at 0).

* ``sampling_client_counter`` (int): Next sampling_session_seq_id (starts at 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tinkex
from tinkex import api
from tinkex.clients import service_hooks
from tinkex.clients.official_names import ServiceClientOfficialNames
from tinkex.clients.service_core import ServiceClientCore
from tinkex.domain.headers import sdk_method
from tinkex.domain.types import (
    CreateModelRequest,
    CreateModelResponse,
    CreateSamplingSessionRequest,
    GetInfoRequest,
    LoadWeightsRequest,
    LoadWeightsResponse,
    WeightsInfoRequest,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from tinkex import RestClient, SamplingClient, TrainingClient
    from tinkex.domain.paths import CheckpointPath
    from tinkex.domain.types import GetServerCapabilitiesResponse, OptimizerConfig
    from tinkex.ports.sessions import SessionEndReason

__all__ = ["ServiceClient"]


class ServiceClient(ServiceClientOfficialNames, ServiceClientCore):
    """A session with the Tinker service, and the factory of every other client.

    Every request goes through one connection pool and every timing through one clock; pass
    your own as with ``httpx.AsyncClient(transport=...)``, e.g. the doubles of
    `tinkex.testing`:

    ```python
    from tinkex.testing import RecordingTelemetrySink, ScriptedTransport, VirtualClock

    transport = ScriptedTransport()  # answers from routes; records every request
    service = ServiceClient(
        base_url="local", transport=transport, clock=VirtualClock(),
        telemetry=RecordingTelemetrySink(),
    )
    ```

    Session heartbeats: with ``heartbeat="thread"`` (the default for an HTTP service reached
    through tinkex's own connections) a daemon thread with its own event loop and connection
    sends them, so the session survives code that blocks the event loop for longer than the
    server's session timeout. With ``heartbeat="loop"`` (the default, and the only choice,
    for the in-process backend and for a transport you pass) they are a task on your loop
    and no thread is started.

    Args:
        api_key: The API key (``tml-…``); defaults to ``TINKER_API_KEY``.
        base_url: The service URL; defaults to ``TINKER_BASE_URL``, then the public service.
            ``"local"`` runs the embedded backend in-process.
        user_metadata: Stored with the session.
        project_id: The project new runs belong to; defaults to ``TINKER_PROJECT_ID``.
        display_name: A human-readable session name.
        tags: Session tags; default ``TINKER_TAGS``.
        telemetry: Send SDK telemetry; default ``TINKER_TELEMETRY`` (on). A `TelemetrySink`
            instead receives every event (and nothing is uploaded).
        log_level: ``debug``/``info``/...; default ``TINKER_LOG``.
        default_headers: Extra headers on every request.
        backend: An embedded backend instance to talk to in-process (tests, notebooks).
        local_data_dir: Where ``base_url="local"`` keeps checkpoints (default: user cache).
        manifest: Another manifest than the shipped one.
        transport: A `Transport`, or a `ConnectionPool` (one transport per traffic class),
            that carries every request, addressed to `base_url` (``http://local`` for
            ``"local"``); closed with the client.
        clock: The time source of every backoff, poll, deadline and heartbeat the client
            keeps (a request's own timeout is the transport's).
        heartbeat: ``"thread"`` or ``"loop"``; default ``TINKEX_HEARTBEAT``, then as above.
        adapters: Fully custom adapters (internal; excludes `transport`, `clock`,
            `heartbeat` and a telemetry sink).
        env: The environment to read (default `os.environ`).
        tracer: OpenTelemetry tracer for the SDK's spans (default: the global provider's).
        metrics: A `tinkex.metrics.Metrics` registry that every HTTP attempt reports to.
        first_contact_timeout_s: How long the first requests to `base_url` may go without
            any response before the start fails with `APIConnectionError` naming the host;
            default ``TINKER_FIRST_CONTACT_TIMEOUT``, then 10 s. A server that has answered
            once has its restarts waited out as usual.
        meter: OpenTelemetry meter for the SDK's metric instruments (default: the global
            provider's; see ``docs/guides/observability.md``).

    A client belongs to the event loop that started it (its connections do): using it from
    another loop raises `ClosedError`. A start that fails or is cancelled closes the client
    and its connections; create a new one to try again.
    """

    async def get_server_capabilities(self) -> GetServerCapabilitiesResponse:
        """The models the service offers.

        Sends one ``service.get_server_capabilities`` request.
        """
        with sdk_method("ServiceClient.get_server_capabilities"):
            _context = await service_hooks.started_context(client=self)
            _invoker = service_hooks.invoker_of(context=_context)
            return await api.service.get_server_capabilities(_invoker)

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
        """Create a LoRA training run and return its TrainingClient.

        Runs the ``create_lora_training_client`` flow.
        """
        with sdk_method("ServiceClient.create_lora_training_client"):
            return await self._flow_create_lora_training_client(
                base_model=base_model,
                rank=rank,
                seed=seed,
                train_mlp=train_mlp,
                train_attn=train_attn,
                train_unembed=train_unembed,
                user_metadata=user_metadata,
                optimizer=optimizer,
            )

    async def create_training_client_from_state(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        weights_access_token: str | None = None,
        optimizer: OptimizerConfig | None = None,
    ) -> TrainingClient:
        """A new training run with a checkpoint's weights (fresh optimizer state).

        Runs the ``create_training_client_from_state`` flow.
        """
        with sdk_method("ServiceClient.create_training_client_from_state"):
            return await self._flow_create_training_client_from_state(
                path=path,
                base_model=base_model,
                user_metadata=user_metadata,
                weights_access_token=weights_access_token,
                optimizer=optimizer,
            )

    async def create_training_client_from_state_with_optimizer(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        weights_access_token: str | None = None,
    ) -> TrainingClient:
        """A new training run with a checkpoint's weights and optimizer state.

        Runs the ``create_training_client_from_state_with_optimizer`` flow.
        """
        with sdk_method("ServiceClient.create_training_client_from_state_with_optimizer"):
            return await self._flow_create_training_client_from_state_with_optimizer(
                path=path,
                base_model=base_model,
                user_metadata=user_metadata,
                weights_access_token=weights_access_token,
            )

    async def create_sampling_client(
        self,
        model_path: str | None = None,
        base_model: str | None = None,
        *,
        record_stability_info: bool = False,
    ) -> SamplingClient:
        """A SamplingClient for a base model or a tinker://.../sampler_weights/... path.

        Runs the ``create_sampling_client`` flow.
        """
        with sdk_method("ServiceClient.create_sampling_client"):
            return await self._flow_create_sampling_client(
                model_path=model_path,
                base_model=base_model,
                record_stability_info=record_stability_info,
            )

    def create_rest_client(self) -> RestClient:
        """A RestClient sharing this client's session and connections.

        Answered by the ``create_rest_client`` domain hook.
        """
        return service_hooks.create_rest_client(client=self)

    async def copy_weights(
        self, path: str, *, ttl_seconds: int | None = None, weights_access_token: str | None = None
    ) -> str:
        """Copy a checkpoint into this client's project; the copy's tinker:// path.

        Answered by the ``copy_weights`` domain hook.
        """
        with sdk_method("ServiceClient.copy_weights"):
            return await service_hooks.copy_weights(
                client=self,
                path=path,
                ttl_seconds=ttl_seconds,
                weights_access_token=weights_access_token,
            )

    async def close(
        self, status: SessionEndReason | str = "success", detail: str | None = None
    ) -> None:
        """Finish the session with `status` and release every connection (safe to repeat).

        Answered by the ``close`` domain hook.
        """
        with sdk_method("ServiceClient.close"):
            await service_hooks.close(client=self, status=status, detail=detail)

    async def _flow_create_lora_training_client(
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
        """Create a LoRA training run (models.create), wait for it and return its TrainingClient."""
        service_hooks.check_open(client=self)
        optimizer_config = service_hooks.own_optimizer(optimizer=optimizer)
        lora = service_hooks.check_lora(
            base_model=base_model,
            rank=rank,
            seed=seed,
            train_mlp=train_mlp,
            train_attn=train_attn,
            train_unembed=train_unembed,
            optimizer=optimizer_config,
        )
        metadata = service_hooks.plain_metadata(user_metadata=user_metadata)
        _context = await service_hooks.started_context(client=self)
        observer = service_hooks.creation_logger(context=_context, identifier=base_model)
        _context = await service_hooks.started_context(client=self)
        started = service_hooks.monotonic_now(context=_context)
        _context = await service_hooks.started_context(client=self)
        _session_id = await service_hooks.ensure_session(context=_context)
        _context = await service_hooks.started_context(client=self)
        _training_client_counter = service_hooks.next_model_seq_id(context=_context)
        _context = await service_hooks.started_context(client=self)
        _invoker = service_hooks.invoker_of(context=_context)
        _request = CreateModelRequest(
            session_id=_session_id,
            model_seq_id=_training_client_counter,
            base_model=base_model,
            user_metadata=metadata,
            lora_config=lora,
            **({"optimizer_config": optimizer_config} if optimizer_config is not None else {}),
        )
        submitted = await api.models.create(_invoker, _request)
        # How long the creating request took is reported with the first poll.
        _context = await service_hooks.started_context(client=self)
        roundtrip = service_hooks.seconds_since(context=_context, started=started)
        _context = await service_hooks.started_context(client=self)
        _resolver = service_hooks.resolver_of(context=_context)
        _step8 = await _resolver.resolve(
            submitted.request_id,
            result_type=CreateModelResponse,
            request_type="CreateModel",
            observer=observer,
            created_roundtrip_s=roundtrip,
        )
        _step9 = await self._flow_open_training_client(
            model_id=_step8.model_id, base_model=base_model
        )
        return _step9

    async def _flow_open_training_client(
        self, model_id: str, base_model: str | None
    ) -> TrainingClient:
        """The TrainingClient of a run that exists (models.get_info tells its base model)."""
        _context = await service_hooks.started_context(client=self)
        _invoker = service_hooks.invoker_of(context=_context)
        _request = GetInfoRequest(model_id=model_id)
        info = await api.models.get_info(_invoker, _request)
        resolved_base_model = service_hooks.resolve_base_model(base_model=base_model, info=info)
        _context = await service_hooks.started_context(client=self)
        _step2 = tinkex.TrainingClient(
            context=_context, model_id=model_id, base_model=resolved_base_model, info=info
        )
        return _step2

    async def _flow_create_training_client_from_state(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        weights_access_token: str | None = None,
        optimizer: OptimizerConfig | None = None,
    ) -> TrainingClient:
        """Create a training run from a checkpoint's weights (fresh optimizer)."""
        service_hooks.check_open(client=self)
        optimizer_config = service_hooks.own_optimizer(optimizer=optimizer)
        checkpoint = service_hooks.check_from_state(path=path, optimizer=optimizer_config)
        _context = await service_hooks.started_context(client=self)
        _json_era = service_hooks.speaks_json_era(context=_context)
        if _json_era:
            _step3 = await self._flow_create_then_load(
                checkpoint=checkpoint,
                base_model=base_model,
                user_metadata=user_metadata,
                weights_access_token=weights_access_token,
                optimizer_config=optimizer_config,
                with_optimizer=False,
            )
        else:
            _step3 = await self._flow_load_into_session(
                checkpoint=checkpoint,
                base_model=base_model,
                user_metadata=user_metadata,
                weights_access_token=weights_access_token,
                optimizer_config=optimizer_config,
                with_optimizer=False,
            )
        return _step3

    async def _flow_create_training_client_from_state_with_optimizer(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        weights_access_token: str | None = None,
    ) -> TrainingClient:
        """Create a training run from a checkpoint's weights and optimizer state."""
        service_hooks.check_open(client=self)
        checkpoint = service_hooks.check_from_state(path=path, optimizer=None)
        _context = await service_hooks.started_context(client=self)
        _json_era = service_hooks.speaks_json_era(context=_context)
        if _json_era:
            _step2 = await self._flow_create_then_load(
                checkpoint=checkpoint,
                base_model=base_model,
                user_metadata=user_metadata,
                weights_access_token=weights_access_token,
                optimizer_config=None,
                with_optimizer=True,
            )
        else:
            _step2 = await self._flow_load_into_session(
                checkpoint=checkpoint,
                base_model=base_model,
                user_metadata=user_metadata,
                weights_access_token=weights_access_token,
                optimizer_config=None,
                with_optimizer=True,
            )
        return _step2

    async def _flow_load_into_session(
        self,
        checkpoint: CheckpointPath,
        base_model: str | None,
        user_metadata: Mapping[str, Any] | None,
        weights_access_token: str | None,
        optimizer_config: OptimizerConfig | None,
        with_optimizer: bool,
    ) -> TrainingClient:
        """Load a checkpoint into the session as a new run (create-via-load) and open it."""
        metadata = service_hooks.plain_metadata(user_metadata=user_metadata)
        _context = await service_hooks.started_context(client=self)
        observer = service_hooks.creation_logger(
            context=_context, identifier=checkpoint.tinker_path
        )
        _context = await service_hooks.started_context(client=self)
        session_id = await service_hooks.ensure_session(context=_context)
        _context = await service_hooks.started_context(client=self)
        model_seq_id = service_hooks.next_model_seq_id(context=_context)
        _context = await service_hooks.started_context(client=self)
        started = service_hooks.monotonic_now(context=_context)
        _context = await service_hooks.started_context(client=self)
        _invoker = service_hooks.invoker_of(context=_context)
        _request = LoadWeightsRequest(
            session_id=session_id,
            model_seq_id=model_seq_id,
            base_model=base_model,
            user_metadata=metadata,
            path=checkpoint.tinker_path,
            optimizer=with_optimizer,
            optimizer_config=optimizer_config,
            weights_access_token=weights_access_token,
        )
        submitted = await api.weights.load(_invoker, _request)
        _context = await service_hooks.started_context(client=self)
        roundtrip = service_hooks.seconds_since(context=_context, started=started)
        _context = await service_hooks.started_context(client=self)
        _resolver = service_hooks.resolver_of(context=_context)
        _step7 = await _resolver.resolve(
            submitted.request_id,
            result_type=LoadWeightsResponse,
            request_type="LoadWeights",
            observer=observer,
            created_roundtrip_s=roundtrip,
        )
        # Servers that do not echo the run's id use the documented <session>:train:<seq> form.
        _step8 = service_hooks.loaded_model_id(
            loaded=_step7, session_id=session_id, model_seq_id=model_seq_id
        )
        _step9 = await self._flow_open_training_client(model_id=_step8, base_model=base_model)
        return _step9

    async def _flow_create_then_load(
        self,
        checkpoint: CheckpointPath,
        base_model: str | None,
        user_metadata: Mapping[str, Any] | None,
        weights_access_token: str | None,
        optimizer_config: OptimizerConfig | None,
        with_optimizer: bool,
    ) -> TrainingClient:
        """JSON era (no create-via-load); a run shaped like the checkpoint, then a load into it."""
        service_hooks.refuse_what_the_json_era_cannot_load(
            weights_access_token=weights_access_token, optimizer=optimizer_config
        )
        _context = await service_hooks.started_context(client=self)
        _invoker = service_hooks.invoker_of(context=_context)
        _request = WeightsInfoRequest(tinker_path=checkpoint.tinker_path)
        info = await api.weights.info(_invoker, _request)
        lora = service_hooks.lora_of_checkpoint(checkpoint=checkpoint, info=info)
        run_base_model = service_hooks.checkpoint_base_model(base_model=base_model, info=info)
        training = await self._flow_create_lora_training_client(
            base_model=run_base_model,
            rank=lora.rank,
            train_mlp=lora.train_mlp,
            train_attn=lora.train_attn,
            train_unembed=lora.train_unembed,
            user_metadata=user_metadata,
        )
        await service_hooks.load_checkpoint(
            training=training, path=checkpoint.tinker_path, with_optimizer=with_optimizer
        )
        return training

    async def _flow_create_sampling_client(
        self,
        model_path: str | None = None,
        base_model: str | None = None,
        *,
        record_stability_info: bool = False,
    ) -> SamplingClient:
        """Create a sampling session for a base model or a tinker:// sampler checkpoint."""
        service_hooks.check_open(client=self)
        base_model_sent = service_hooks.check_sampling_source(
            model_path=model_path, base_model=base_model
        )
        _context = await service_hooks.started_context(client=self)
        session_id = await service_hooks.ensure_session(context=_context)
        _context = await service_hooks.started_context(client=self)
        _sampling_client_counter = service_hooks.next_sampling_session_seq_id(context=_context)
        _context = await service_hooks.started_context(client=self)
        _invoker = service_hooks.invoker_of(context=_context)
        _request = CreateSamplingSessionRequest(
            session_id=session_id,
            sampling_session_seq_id=_sampling_client_counter,
            base_model=base_model_sent,
            model_path=model_path,
        )
        created = await api.sampling.create_session(_invoker, _request)
        _context = await service_hooks.started_context(client=self)
        _invoker = service_hooks.invoker_of(context=_context)
        resolved_base_model = await service_hooks.base_model_of_sampler(
            invoker=_invoker, base_model=base_model, sampling_session_id=created.sampling_session_id
        )
        _context = await service_hooks.started_context(client=self)
        _step5 = tinkex.SamplingClient(
            context=_context,
            sampling_session_id=created.sampling_session_id,
            base_model=resolved_base_model,
            model_path=model_path,
            record_stability_info=record_stability_info,
            session_id=session_id,
        )
        return _step5
