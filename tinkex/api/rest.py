# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``rest`` resource: specs and one function per endpoint."""

from collections.abc import Mapping
from typing import Literal

from tinkex.domain.types.common import EmptyResponse
from tinkex.domain.types.rest import (
    CheckpointArchiveUrlResponse,
    CheckpointsListResponse,
    ExternalWeightsUrlsResponse,
    SetCheckpointTtlRequest,
    TrainingRun,
    TrainingRunsResponse,
)
from tinkex.domain.types.sampling import GetSamplerResponse
from tinkex.domain.types.sessions import (
    AssignSessionProjectRequest,
    GetSessionResponse,
    ListSessionsResponse,
    SessionSearchRequest,
    SessionSearchResponse,
    TraceExportResponse,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "ASSIGN_SESSION_PROJECT",
    "DELETE_CHECKPOINT",
    "EXPORT_SESSION_TRACE",
    "GET_CHECKPOINT_ARCHIVE_URL",
    "GET_EXTERNAL_WEIGHTS_URLS",
    "GET_SAMPLER",
    "GET_SESSION",
    "GET_TRAINING_RUN",
    "LIST_CHECKPOINTS",
    "LIST_SESSIONS",
    "LIST_TRAINING_RUNS",
    "LIST_USER_CHECKPOINTS",
    "PUBLISH_CHECKPOINT",
    "SEARCH_SESSIONS",
    "SET_CHECKPOINT_TTL",
    "UNPUBLISH_CHECKPOINT",
    "assign_session_project",
    "delete_checkpoint",
    "export_session_trace",
    "get_checkpoint_archive_url",
    "get_external_weights_urls",
    "get_sampler",
    "get_session",
    "get_training_run",
    "list_checkpoints",
    "list_sessions",
    "list_training_runs",
    "list_user_checkpoints",
    "publish_checkpoint",
    "search_sessions",
    "set_checkpoint_ttl",
    "unpublish_checkpoint",
]

LIST_TRAINING_RUNS = EndpointSpec(
    name="rest.list_training_runs",
    method="GET",
    path="/api/v1/training_runs",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

GET_TRAINING_RUN = EndpointSpec(
    name="rest.get_training_run",
    method="GET",
    path="/api/v1/training_runs/{run_id}",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

LIST_CHECKPOINTS = EndpointSpec(
    name="rest.list_checkpoints",
    method="GET",
    path="/api/v1/training_runs/{run_id}/checkpoints",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

DELETE_CHECKPOINT = EndpointSpec(
    name="rest.delete_checkpoint",
    method="DELETE",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

PUBLISH_CHECKPOINT = EndpointSpec(
    name="rest.publish_checkpoint",
    method="POST",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/publish",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

UNPUBLISH_CHECKPOINT = EndpointSpec(
    name="rest.unpublish_checkpoint",
    method="DELETE",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/publish",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

SET_CHECKPOINT_TTL = EndpointSpec(
    name="rest.set_checkpoint_ttl",
    method="PUT",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/ttl",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

GET_EXTERNAL_WEIGHTS_URLS = EndpointSpec(
    name="rest.get_external_weights_urls",
    method="GET",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/external_weights_urls",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

GET_CHECKPOINT_ARCHIVE_URL = EndpointSpec(
    name="rest.get_checkpoint_archive_url",
    method="GET",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/archive",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer", "archive_redirect"),
    headers=(("accept", "application/gzip"),),
)

LIST_USER_CHECKPOINTS = EndpointSpec(
    name="rest.list_user_checkpoints",
    method="GET",
    path="/api/v1/checkpoints",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

LIST_SESSIONS = EndpointSpec(
    name="rest.list_sessions",
    method="GET",
    path="/api/v1/sessions",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

GET_SESSION = EndpointSpec(
    name="rest.get_session",
    method="GET",
    path="/api/v1/sessions/{session_id}",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

ASSIGN_SESSION_PROJECT = EndpointSpec(
    name="rest.assign_session_project",
    method="PUT",
    path="/api/v1/sessions/{session_id}/project",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

EXPORT_SESSION_TRACE = EndpointSpec(
    name="rest.export_session_trace",
    method="GET",
    path="/api/v1/sessions/{session_id}/trace_export",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

SEARCH_SESSIONS = EndpointSpec(
    name="rest.search_sessions",
    method="POST",
    path="/api/v1/sessions/search",
    request_codec="json",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

GET_SAMPLER = EndpointSpec(
    name="rest.get_sampler",
    method="GET",
    path="/api/v1/samplers/{sampler_id}",
    request_codec="none",
    accept="json",
    pool=PoolKind.TRAIN,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)


async def list_training_runs(
    invoker: Invoker,
    /,
    *,
    limit: int = 20,
    offset: int = 0,
    access_scope: Literal["owned", "accessible"] = "owned",
    project_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> TrainingRunsResponse:
    """List training runs, newest first (offset pagination).

    ``GET /api/v1/training_runs``
    """
    return await invoker.invoke(
        LIST_TRAINING_RUNS,
        None,
        response_type=TrainingRunsResponse,
        query={
            "limit": limit,
            "offset": offset,
            "access_scope": access_scope,
            "project_id": project_id,
        },
        headers=headers,
    )


async def get_training_run(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    access_scope: Literal["owned", "accessible"] = "owned",
    headers: Mapping[str, str] | None = None,
) -> TrainingRun:
    """Describe one training run.

    ``GET /api/v1/training_runs/{run_id}``
    """
    return await invoker.invoke(
        GET_TRAINING_RUN,
        None,
        response_type=TrainingRun,
        path_params={"run_id": run_id},
        query={"access_scope": access_scope},
        headers=headers,
    )


async def list_checkpoints(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    headers: Mapping[str, str] | None = None,
) -> CheckpointsListResponse:
    """List a training run's checkpoints (unpaginated).

    ``GET /api/v1/training_runs/{run_id}/checkpoints``
    """
    return await invoker.invoke(
        LIST_CHECKPOINTS,
        None,
        response_type=CheckpointsListResponse,
        path_params={"run_id": run_id},
        headers=headers,
    )


async def delete_checkpoint(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    checkpoint_id: str,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Delete a checkpoint.

    ``DELETE /api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}``
    """
    await invoker.invoke(
        DELETE_CHECKPOINT,
        None,
        response_type=type(None),
        path_params={"run_id": run_id, "checkpoint_id": checkpoint_id},
        headers=headers,
    )
    return EmptyResponse()


async def publish_checkpoint(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    checkpoint_id: str,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Make a checkpoint public (409 if it already is).

    ``POST /api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/publish``
    """
    await invoker.invoke(
        PUBLISH_CHECKPOINT,
        None,
        response_type=type(None),
        path_params={"run_id": run_id, "checkpoint_id": checkpoint_id},
        headers=headers,
    )
    return EmptyResponse()


async def unpublish_checkpoint(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    checkpoint_id: str,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Make a checkpoint private (409 if it already is).

    ``DELETE /api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/publish``
    """
    await invoker.invoke(
        UNPUBLISH_CHECKPOINT,
        None,
        response_type=type(None),
        path_params={"run_id": run_id, "checkpoint_id": checkpoint_id},
        headers=headers,
    )
    return EmptyResponse()


async def set_checkpoint_ttl(
    invoker: Invoker,
    request: SetCheckpointTtlRequest,
    /,
    *,
    run_id: str,
    checkpoint_id: str,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Set or remove (null) a checkpoint's expiry.

    ``PUT /api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/ttl``
    """
    await invoker.invoke(
        SET_CHECKPOINT_TTL,
        request,
        response_type=type(None),
        path_params={"run_id": run_id, "checkpoint_id": checkpoint_id},
        headers=headers,
    )
    return EmptyResponse()


async def get_external_weights_urls(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    checkpoint_id: str,
    headers: Mapping[str, str] | None = None,
) -> ExternalWeightsUrlsResponse:
    """Signed download URLs of an external_weights checkpoint.

    ``GET /api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/external_weights_urls``
    """
    return await invoker.invoke(
        GET_EXTERNAL_WEIGHTS_URLS,
        None,
        response_type=ExternalWeightsUrlsResponse,
        path_params={"run_id": run_id, "checkpoint_id": checkpoint_id},
        headers=headers,
    )


async def get_checkpoint_archive_url(
    invoker: Invoker,
    /,
    *,
    run_id: str,
    checkpoint_id: str,
    headers: Mapping[str, str] | None = None,
) -> CheckpointArchiveUrlResponse:
    """JSON-era signed archive URL, read from a 302 that is not followed.

    ``GET /api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}/archive``
    """
    return await invoker.invoke(
        GET_CHECKPOINT_ARCHIVE_URL,
        None,
        response_type=CheckpointArchiveUrlResponse,
        path_params={"run_id": run_id, "checkpoint_id": checkpoint_id},
        headers=headers,
    )


async def list_user_checkpoints(
    invoker: Invoker,
    /,
    *,
    limit: int = 100,
    offset: int = 0,
    headers: Mapping[str, str] | None = None,
) -> CheckpointsListResponse:
    """List the user's checkpoints across runs, newest first.

    ``GET /api/v1/checkpoints``
    """
    return await invoker.invoke(
        LIST_USER_CHECKPOINTS,
        None,
        response_type=CheckpointsListResponse,
        query={"limit": limit, "offset": offset},
        headers=headers,
    )


async def list_sessions(
    invoker: Invoker,
    /,
    *,
    limit: int = 20,
    offset: int = 0,
    access_scope: Literal["owned", "accessible"] = "owned",
    headers: Mapping[str, str] | None = None,
) -> ListSessionsResponse:
    """List session ids.

    ``GET /api/v1/sessions``
    """
    return await invoker.invoke(
        LIST_SESSIONS,
        None,
        response_type=ListSessionsResponse,
        query={"limit": limit, "offset": offset, "access_scope": access_scope},
        headers=headers,
    )


async def get_session(
    invoker: Invoker,
    /,
    *,
    session_id: str,
    access_scope: Literal["owned", "accessible"] = "owned",
    headers: Mapping[str, str] | None = None,
) -> GetSessionResponse:
    """Describe a session (its training runs and samplers).

    ``GET /api/v1/sessions/{session_id}``
    """
    return await invoker.invoke(
        GET_SESSION,
        None,
        response_type=GetSessionResponse,
        path_params={"session_id": session_id},
        query={"access_scope": access_scope},
        headers=headers,
    )


async def assign_session_project(
    invoker: Invoker,
    request: AssignSessionProjectRequest,
    /,
    *,
    session_id: str,
    headers: Mapping[str, str] | None = None,
) -> EmptyResponse:
    """Move a session to another project.

    ``PUT /api/v1/sessions/{session_id}/project``
    """
    await invoker.invoke(
        ASSIGN_SESSION_PROJECT,
        request,
        response_type=type(None),
        path_params={"session_id": session_id},
        headers=headers,
    )
    return EmptyResponse()


async def export_session_trace(
    invoker: Invoker,
    /,
    *,
    session_id: str,
    headers: Mapping[str, str] | None = None,
) -> TraceExportResponse:
    """Start or poll a trace export (the client polls every 5 s until ready/failed).

    ``GET /api/v1/sessions/{session_id}/trace_export``
    """
    return await invoker.invoke(
        EXPORT_SESSION_TRACE,
        None,
        response_type=TraceExportResponse,
        path_params={"session_id": session_id},
        headers=headers,
    )


async def search_sessions(
    invoker: Invoker,
    request: SessionSearchRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> SessionSearchResponse:
    """Search sessions (experimental); paginate with next_cursor.

    ``POST /api/v1/sessions/search``
    """
    return await invoker.invoke(
        SEARCH_SESSIONS,
        request,
        response_type=SessionSearchResponse,
        headers=headers,
    )


async def get_sampler(
    invoker: Invoker,
    /,
    *,
    sampler_id: str,
    headers: Mapping[str, str] | None = None,
) -> GetSamplerResponse:
    """Describe a sampler (its base model and weights path).

    ``GET /api/v1/samplers/{sampler_id}``
    """
    return await invoker.invoke(
        GET_SAMPLER,
        None,
        response_type=GetSamplerResponse,
        path_params={"sampler_id": sampler_id},
        headers=headers,
    )
