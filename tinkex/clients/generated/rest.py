# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""`tinkex.RestClient`: the class its manifest entry declares.

Generated from ``clients.rest`` and the flows of that client, on the hand-written `RestClientCore`
(``tinkex.clients.rest_core:RestClientCore``) and the domain hooks of ``tinkex.clients.rest_hooks``.

The state the methods read (``${state.<name>}``):

* ``invoker`` (Invoker): Runs every request through the request pipeline.

* ``clock`` (Clock): The time source of polls and waits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex import api
from tinkex.clients import rest_hooks
from tinkex.clients.official_names import RestClientOfficialNames
from tinkex.clients.rest_core import RestClientCore
from tinkex.domain.headers import sdk_method
from tinkex.domain.types import (
    AssignSessionProjectRequest,
    SetCheckpointTtlRequest,
    WeightsInfoRequest,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import date, datetime
    from typing import Literal

    from tinkex.clients.rest_checks import AccessScope
    from tinkex.domain.types import (
        AuditLogResponse,
        BillingUsageResponse,
        Checkpoint,
        CheckpointArchiveUrlResponse,
        CheckpointsListResponse,
        CurrentCheckpointStorageUsageResponse,
        ExternalWeightsUrlsResponse,
        GetSamplerResponse,
        GetServerCapabilitiesResponse,
        GetSessionResponse,
        ListSessionsResponse,
        SessionSearchRequest,
        SessionSearchResponse,
        SessionSummary,
        TrainingRun,
        TrainingRunsResponse,
        WeightsInfoResponse,
        WhoamiResponse,
    )

__all__ = ["RestClient"]


class RestClient(RestClientOfficialNames, RestClientCore):
    """Training runs, checkpoints, weights, sessions, samplers and billing over REST.

    Args:
        invoker: Runs endpoint calls through the request pipeline.
        clock: Time source for polling and waits (default: the real clock).
        env: Environment read once, at construction, for ``TINKER_PROJECT_ID`` (default
            ``os.environ``); only that value is kept, never the mapping, which may hold
            credentials.
    """

    async def get_server_capabilities(self) -> GetServerCapabilitiesResponse:
        """The models the service offers.

        Sends one ``service.get_server_capabilities`` request.
        """
        with sdk_method("RestClient.get_server_capabilities"):
            return await api.service.get_server_capabilities(self._invoker)

    async def list_training_runs(
        self,
        limit: int = 20,
        offset: int = 0,
        access_scope: AccessScope = "owned",
        project_id: str | None = None,
    ) -> TrainingRunsResponse:
        """One page of training runs, newest first (see iter_training_runs).

        Runs the ``list_training_runs`` flow.
        """
        with sdk_method("RestClient.list_training_runs"):
            return await self._flow_list_training_runs(
                limit=limit, offset=offset, access_scope=access_scope, project_id=project_id
            )

    def iter_training_runs(
        self,
        page_size: int = 100,
        *,
        access_scope: AccessScope = "owned",
        project_id: str | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[TrainingRun]:
        """Every training run, page by page (a bad argument raises on the first iteration).

        Answered by the ``iter_training_runs`` domain hook.
        """
        return rest_hooks.iter_training_runs(
            client=self,
            page_size=page_size,
            access_scope=access_scope,
            project_id=project_id,
            max_items=max_items,
        )

    async def get_training_run(
        self, training_run_id: str, access_scope: AccessScope = "owned"
    ) -> TrainingRun:
        """One training run.

        Runs the ``get_training_run`` flow.
        """
        with sdk_method("RestClient.get_training_run"):
            return await self._flow_get_training_run(
                training_run_id=training_run_id, access_scope=access_scope
            )

    async def get_training_run_by_tinker_path(
        self, tinker_path: str, access_scope: AccessScope = "owned"
    ) -> TrainingRun:
        """The training run a tinker:// path belongs to.

        Runs the ``get_training_run_by_tinker_path`` flow.
        """
        with sdk_method("RestClient.get_training_run_by_tinker_path"):
            return await self._flow_get_training_run_by_tinker_path(
                tinker_path=tinker_path, access_scope=access_scope
            )

    async def get_weights_info_by_tinker_path(self, tinker_path: str) -> WeightsInfoResponse:
        """Base model and LoRA settings of a checkpoint.

        Runs the ``get_weights_info_by_tinker_path`` flow.
        """
        with sdk_method("RestClient.get_weights_info_by_tinker_path"):
            return await self._flow_get_weights_info_by_tinker_path(tinker_path=tinker_path)

    async def list_checkpoints(self, training_run_id: str) -> CheckpointsListResponse:
        """The checkpoints of one training run (unpaginated).

        Runs the ``list_checkpoints`` flow.
        """
        with sdk_method("RestClient.list_checkpoints"):
            return await self._flow_list_checkpoints(training_run_id=training_run_id)

    async def list_user_checkpoints(
        self, limit: int = 100, offset: int = 0
    ) -> CheckpointsListResponse:
        """One page of all your checkpoints, newest first.

        Runs the ``list_user_checkpoints`` flow.
        """
        with sdk_method("RestClient.list_user_checkpoints"):
            return await self._flow_list_user_checkpoints(limit=limit, offset=offset)

    def iter_user_checkpoints(
        self, page_size: int = 100, *, max_items: int | None = None
    ) -> AsyncIterator[Checkpoint]:
        """Every checkpoint, page by page.

        Answered by the ``iter_user_checkpoints`` domain hook.
        """
        return rest_hooks.iter_user_checkpoints(
            client=self, page_size=page_size, max_items=max_items
        )

    async def delete_checkpoint(self, training_run_id: str, checkpoint_id: str) -> None:
        """Delete a checkpoint given its run id and <segment>/<name> id.

        Runs the ``delete_checkpoint`` flow.
        """
        with sdk_method("RestClient.delete_checkpoint"):
            await self._flow_delete_checkpoint(
                training_run_id=training_run_id, checkpoint_id=checkpoint_id
            )

    async def delete_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Delete the checkpoint at a tinker:// path.

        Runs the ``delete_checkpoint_from_tinker_path`` flow.
        """
        with sdk_method("RestClient.delete_checkpoint_from_tinker_path"):
            await self._flow_delete_checkpoint_from_tinker_path(tinker_path=tinker_path)

    async def publish_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Make a checkpoint public (ConflictError if it already is).

        Runs the ``publish_checkpoint_from_tinker_path`` flow.
        """
        with sdk_method("RestClient.publish_checkpoint_from_tinker_path"):
            await self._flow_publish_checkpoint_from_tinker_path(tinker_path=tinker_path)

    async def unpublish_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Make a checkpoint private again (ConflictError if it already is).

        Runs the ``unpublish_checkpoint_from_tinker_path`` flow.
        """
        with sdk_method("RestClient.unpublish_checkpoint_from_tinker_path"):
            await self._flow_unpublish_checkpoint_from_tinker_path(tinker_path=tinker_path)

    async def set_checkpoint_ttl_from_tinker_path(
        self, tinker_path: str, ttl_seconds: int | None
    ) -> None:
        """Keep a checkpoint ttl_seconds from now (1 hour to 10 years); None keeps it forever.

        Runs the ``set_checkpoint_ttl_from_tinker_path`` flow.
        """
        with sdk_method("RestClient.set_checkpoint_ttl_from_tinker_path"):
            await self._flow_set_checkpoint_ttl_from_tinker_path(
                tinker_path=tinker_path, ttl_seconds=ttl_seconds
            )

    async def get_external_weights_urls(self, tinker_path: str) -> ExternalWeightsUrlsResponse:
        """Download URLs of an external_weights/ checkpoint.

        Runs the ``get_external_weights_urls`` flow.
        """
        with sdk_method("RestClient.get_external_weights_urls"):
            return await self._flow_get_external_weights_urls(tinker_path=tinker_path)

    async def get_checkpoint_archive_url(
        self, training_run_id: str, checkpoint_id: str
    ) -> CheckpointArchiveUrlResponse:
        """JSON-era servers; a signed URL of a tar of the checkpoint (waits out 503s).

        Runs the ``get_checkpoint_archive_url`` flow.
        """
        with sdk_method("RestClient.get_checkpoint_archive_url"):
            return await self._flow_get_checkpoint_archive_url(
                training_run_id=training_run_id, checkpoint_id=checkpoint_id
            )

    async def get_checkpoint_archive_url_from_tinker_path(
        self, tinker_path: str
    ) -> CheckpointArchiveUrlResponse:
        """get_checkpoint_archive_url for a tinker:// path.

        Runs the ``get_checkpoint_archive_url_from_tinker_path`` flow.
        """
        with sdk_method("RestClient.get_checkpoint_archive_url_from_tinker_path"):
            return await self._flow_get_checkpoint_archive_url_from_tinker_path(
                tinker_path=tinker_path
            )

    async def copy_weights(
        self,
        path: str,
        destination_project_id: str | None = None,
        *,
        ttl_seconds: int | None = None,
        weights_access_token: str | None = None,
    ) -> str:
        """Copy a checkpoint into a project (default TINKER_PROJECT_ID); the copy's path.

        Answered by the ``copy_weights`` domain hook.
        """
        with sdk_method("RestClient.copy_weights"):
            return await rest_hooks.copy_weights(
                client=self,
                path=path,
                destination_project_id=destination_project_id,
                ttl_seconds=ttl_seconds,
                weights_access_token=weights_access_token,
            )

    async def list_sessions(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned"
    ) -> ListSessionsResponse:
        """One page of your session ids.

        Runs the ``list_sessions`` flow.
        """
        with sdk_method("RestClient.list_sessions"):
            return await self._flow_list_sessions(
                limit=limit, offset=offset, access_scope=access_scope
            )

    def iter_sessions(
        self,
        page_size: int = 100,
        *,
        access_scope: AccessScope = "owned",
        max_items: int | None = None,
    ) -> AsyncIterator[str]:
        """Every session id, page by page.

        Answered by the ``iter_sessions`` domain hook.
        """
        return rest_hooks.iter_sessions(
            client=self, page_size=page_size, access_scope=access_scope, max_items=max_items
        )

    async def get_session(
        self, session_id: str, access_scope: AccessScope = "owned"
    ) -> GetSessionResponse:
        """One session, its runs and samplers.

        Runs the ``get_session`` flow.
        """
        with sdk_method("RestClient.get_session"):
            return await self._flow_get_session(session_id=session_id, access_scope=access_scope)

    async def assign_session_project(self, session_id: str, project_id: str) -> None:
        """Move a session (and its runs) into another project.

        Runs the ``assign_session_project`` flow.
        """
        with sdk_method("RestClient.assign_session_project"):
            await self._flow_assign_session_project(session_id=session_id, project_id=project_id)

    async def export_session_trace(self, session_id: str, *, timeout_s: float = 3600.0) -> str:
        """A download URL of a session's trace, once the export is ready (polls every 5 s).

        Answered by the ``export_session_trace`` domain hook.
        """
        with sdk_method("RestClient.export_session_trace"):
            return await rest_hooks.export_session_trace(
                client=self, session_id=session_id, timeout_s=timeout_s
            )

    async def search_sessions(self, request: SessionSearchRequest) -> SessionSearchResponse:
        """One page of sessions matching a query; page on with next_cursor.

        Runs the ``search_sessions`` flow.
        """
        with sdk_method("RestClient.search_sessions"):
            return await self._flow_search_sessions(request=request)

    def iter_search_sessions(
        self, request: SessionSearchRequest, *, max_pages: int = 1000
    ) -> AsyncIterator[SessionSummary]:
        """Every session matching a query, following next_cursor (at most max_pages pages).

        Answered by the ``iter_search_sessions`` domain hook.
        """
        return rest_hooks.iter_search_sessions(client=self, request=request, max_pages=max_pages)

    async def get_sampler(self, sampler_id: str) -> GetSamplerResponse:
        """One sampler and its base model.

        Runs the ``get_sampler`` flow.
        """
        with sdk_method("RestClient.get_sampler"):
            return await self._flow_get_sampler(sampler_id=sampler_id)

    async def whoami(self) -> WhoamiResponse:
        """Who the credential in use belongs to, decoded from the JWT (no request).

        Runs the ``whoami`` flow.
        """
        with sdk_method("RestClient.whoami"):
            return await self._flow_whoami()

    async def get_audit_log(
        self,
        event_type: Literal["all", "checkpoints", "projects", "teams", "organizations"] = "all",
        day: str | date | None = None,
    ) -> AuditLogResponse:
        """The organisation's audit log, optionally of one UTC day.

        Answered by the ``get_audit_log`` domain hook.
        """
        with sdk_method("RestClient.get_audit_log"):
            return await rest_hooks.get_audit_log(client=self, event_type=event_type, day=day)

    async def get_billing_usage(
        self, starting_on: datetime | str, ending_before: datetime | str
    ) -> BillingUsageResponse:
        """Billing events between two hour-aligned times (at most 14 days apart).

        Answered by the ``get_billing_usage`` domain hook.
        """
        with sdk_method("RestClient.get_billing_usage"):
            return await rest_hooks.get_billing_usage(
                client=self, starting_on=starting_on, ending_before=ending_before
            )

    async def get_current_checkpoint_storage_usage(
        self, project_id: str | None = None
    ) -> CurrentCheckpointStorageUsageResponse:
        """Current checkpoint storage per project and owner.

        Answered by the ``get_current_checkpoint_storage_usage`` domain hook.
        """
        with sdk_method("RestClient.get_current_checkpoint_storage_usage"):
            return await rest_hooks.get_current_checkpoint_storage_usage(
                client=self, project_id=project_id
            )

    async def _flow_list_training_runs(
        self,
        limit: int = 20,
        offset: int = 0,
        access_scope: AccessScope = "owned",
        project_id: str | None = None,
    ) -> TrainingRunsResponse:
        """One page of training runs."""
        rest_hooks.validate_page_args(limit=limit, offset=offset)
        scope = rest_hooks.check_access_scope(value=access_scope)
        project = rest_hooks.check_optional_text(value=project_id, field="project_id")
        _step3 = await api.rest.list_training_runs(
            self._invoker, limit=limit, offset=offset, access_scope=scope, project_id=project
        )
        return _step3

    async def _flow_get_training_run(
        self, training_run_id: str, access_scope: AccessScope = "owned"
    ) -> TrainingRun:
        """One training run."""
        run_id = rest_hooks.check_id(value=training_run_id, field="training_run_id")
        scope = rest_hooks.check_access_scope(value=access_scope)
        _step2 = await api.rest.get_training_run(self._invoker, run_id=run_id, access_scope=scope)
        return _step2

    async def _flow_get_training_run_by_tinker_path(
        self, tinker_path: str, access_scope: AccessScope = "owned"
    ) -> TrainingRun:
        """The training run a checkpoint path belongs to."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        _step1 = await self._flow_get_training_run(
            training_run_id=path.training_run_id, access_scope=access_scope
        )
        return _step1

    async def _flow_get_weights_info_by_tinker_path(self, tinker_path: str) -> WeightsInfoResponse:
        """Base model and LoRA configuration behind a checkpoint path."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        _request = WeightsInfoRequest(tinker_path=path.tinker_path)
        _step1 = await api.weights.info(self._invoker, _request)
        return _step1

    async def _flow_list_checkpoints(self, training_run_id: str) -> CheckpointsListResponse:
        """Every checkpoint of one training run."""
        run_id = rest_hooks.check_id(value=training_run_id, field="training_run_id")
        _step1 = await api.rest.list_checkpoints(self._invoker, run_id=run_id)
        return _step1

    async def _flow_list_user_checkpoints(
        self, limit: int = 100, offset: int = 0
    ) -> CheckpointsListResponse:
        """One page of the user's checkpoints across runs, newest first."""
        rest_hooks.validate_page_args(limit=limit, offset=offset)
        _step1 = await api.rest.list_user_checkpoints(self._invoker, limit=limit, offset=offset)
        return _step1

    async def _flow_delete_checkpoint(self, training_run_id: str, checkpoint_id: str) -> None:
        """Delete a checkpoint given its run id and <segment>/<name> id."""
        run_id = rest_hooks.check_id(value=training_run_id, field="training_run_id")
        path = rest_hooks.parse_checkpoint_id(training_run_id=run_id, checkpoint_id=checkpoint_id)
        await api.rest.delete_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def _flow_delete_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Delete the checkpoint at a tinker:// path."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        await api.rest.delete_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def _flow_publish_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Make a checkpoint public."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        await api.rest.publish_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def _flow_unpublish_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Make a checkpoint private again."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        await api.rest.unpublish_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def _flow_set_checkpoint_ttl_from_tinker_path(
        self, tinker_path: str, ttl_seconds: int | None
    ) -> None:
        """Set (or clear) when a checkpoint expires."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        ttl = rest_hooks.validate_ttl(ttl_seconds=ttl_seconds)
        _request = SetCheckpointTtlRequest(ttl_seconds=ttl)
        await api.rest.set_checkpoint_ttl(
            self._invoker, _request, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def _flow_get_external_weights_urls(
        self, tinker_path: str
    ) -> ExternalWeightsUrlsResponse:
        """Signed download URL of every file of an external_weights/ checkpoint."""
        path = rest_hooks.require_kind(path=tinker_path, kinds=["external"], field="tinker_path")
        _step1 = await api.rest.get_external_weights_urls(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )
        return _step1

    async def _flow_get_checkpoint_archive_url(
        self, training_run_id: str, checkpoint_id: str
    ) -> CheckpointArchiveUrlResponse:
        """The signed URL of a tar of a checkpoint, and its expiry (JSON-era servers)."""
        run_id = rest_hooks.check_id(value=training_run_id, field="training_run_id")
        path = rest_hooks.parse_checkpoint_id(training_run_id=run_id, checkpoint_id=checkpoint_id)
        _step2 = await rest_hooks.fetch_archive_url(
            invoker=self._invoker, path=path, clock=self._clock
        )
        return _step2

    async def _flow_get_checkpoint_archive_url_from_tinker_path(
        self, tinker_path: str
    ) -> CheckpointArchiveUrlResponse:
        """get_checkpoint_archive_url for a tinker:// path."""
        path = rest_hooks.parse_tinker_path(path=tinker_path, field="tinker_path")
        _step1 = await rest_hooks.fetch_archive_url(
            invoker=self._invoker, path=path, clock=self._clock
        )
        return _step1

    async def _flow_list_sessions(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned"
    ) -> ListSessionsResponse:
        """One page of session ids."""
        rest_hooks.validate_page_args(limit=limit, offset=offset)
        scope = rest_hooks.check_access_scope(value=access_scope)
        _step2 = await api.rest.list_sessions(
            self._invoker, limit=limit, offset=offset, access_scope=scope
        )
        return _step2

    async def _flow_get_session(
        self, session_id: str, access_scope: AccessScope = "owned"
    ) -> GetSessionResponse:
        """A session's training run ids and sampler ids."""
        checked_session_id = rest_hooks.check_id(value=session_id, field="session_id")
        scope = rest_hooks.check_access_scope(value=access_scope)
        _step2 = await api.rest.get_session(
            self._invoker, session_id=checked_session_id, access_scope=scope
        )
        return _step2

    async def _flow_assign_session_project(self, session_id: str, project_id: str) -> None:
        """Move a session into a project."""
        project = rest_hooks.check_id(value=project_id, field="project_id")
        checked_session_id = rest_hooks.check_id(value=session_id, field="session_id")
        _request = AssignSessionProjectRequest(project_id=project)
        await api.rest.assign_session_project(
            self._invoker, _request, session_id=checked_session_id
        )

    async def _flow_search_sessions(self, request: SessionSearchRequest) -> SessionSearchResponse:
        """One page of sessions matching a query."""
        query = rest_hooks.check_search_request(request=request)
        _step1 = await api.rest.search_sessions(self._invoker, query)
        return _step1

    async def _flow_get_sampler(self, sampler_id: str) -> GetSamplerResponse:
        """A sampler's base model and the weights it serves."""
        sampler = rest_hooks.check_id(value=sampler_id, field="sampler_id")
        _step1 = await api.rest.get_sampler(self._invoker, sampler_id=sampler)
        return _step1

    async def _flow_whoami(self) -> WhoamiResponse:
        """The calling user and organization, decoded from the session's JWT (no request)."""
        _step0 = await rest_hooks.decode_identity_jwt(invoker=self._invoker)
        return _step0
