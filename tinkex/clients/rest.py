"""`RestClient`: every Tinker REST endpoint, checked client-side, plus async pagination.

```python
rest = RestClient(runtime.invoker)
async for run in rest.iter_training_runs():
    print(run.training_run_id)
await rest.set_checkpoint_ttl_from_tinker_path("tinker://run-1/weights/step-10", 7 * 86400)
```

Every argument is checked before anything is sent (`ValidationError` names the argument);
server answers surface as the tinkex error tree (`ConflictError` for a double publish,
`NotFoundError` for an unknown run...). Calls go through the invoker's pipeline, so retries,
telemetry and tracing apply as the manifest says.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tinkex import api
from tinkex.auth.jwt import whoami_from_jwt
from tinkex.clients.official_names import RestClientOfficialNames
from tinkex.clients.pagination import Page, iter_offset_pages, validate_page_args
from tinkex.clients.rest_archive import fetch_archive_url
from tinkex.clients.rest_checks import (
    AccessScope,
    check_access_scope,
    check_id,
    check_optional_text,
)
from tinkex.clients.rest_sessions import SessionsRestApi
from tinkex.clients.sdk_methods import names_sdk_methods
from tinkex.domain.paths import (
    CheckpointKind,
    CheckpointPath,
    parse_checkpoint_id,
    parse_tinker_path,
    require_kind,
)
from tinkex.domain.ttl import validate_ttl
from tinkex.domain.types import CopyWeightsRequest, SetCheckpointTtlRequest, WeightsInfoRequest
from tinkex.errors import UnsupportedByServerError, ValidationError
from tinkex.redaction import remember_secret

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tinkex.domain.types import (
        Checkpoint,
        CheckpointArchiveUrlResponse,
        CheckpointsListResponse,
        ExternalWeightsUrlsResponse,
        GetServerCapabilitiesResponse,
        TrainingRun,
        TrainingRunsResponse,
        WeightsInfoResponse,
        WhoamiResponse,
    )

__all__ = ["WEIGHTS_ACCESS_TOKEN_HEADER", "RestClient"]

WEIGHTS_ACCESS_TOKEN_HEADER = "X-Tinker-Weights-Access-Token"
"""Header carrying the token that grants read access to another account's weights."""
_IDEMPOTENCY_HEADER = "X-Idempotency-Key"
_EXTERNAL: tuple[CheckpointKind, ...] = ("external",)


@names_sdk_methods
class RestClient(RestClientOfficialNames, SessionsRestApi):
    """Training runs, checkpoints, weights, sessions, samplers and billing over REST.

    Args:
        invoker: Runs endpoint calls through the request pipeline.
        clock: Time source for polling and waits (default: the real clock).
        env: Environment read once, at construction, for ``TINKER_PROJECT_ID`` (default
            ``os.environ``); only that value is kept.
    """

    async def get_server_capabilities(self) -> GetServerCapabilitiesResponse:
        """The models the service offers and what each can do."""
        return await api.service.get_server_capabilities(self._invoker)

    async def whoami(self) -> WhoamiResponse:
        """The calling user and organization, read from the session's JWT (no request).

        Raises:
            UnsupportedByServerError: No JWT names the caller: the server did not turn on JWT
                auth (``pjwt_auth_enabled``) and the key is not a passport-issued JWT.
        """
        source = getattr(self._invoker, "identity_jwt", None)
        token = await source() if callable(source) else None
        if not isinstance(token, str):
            raise UnsupportedByServerError(
                "whoami reads the caller from a JWT: this server did not enable JWT auth "
                "(pjwt_auth_enabled) and the API key is not a passport-issued JWT"
            )
        return whoami_from_jwt(token)

    # -- training runs ---------------------------------------------------------------------

    async def get_training_run(
        self, training_run_id: str, access_scope: AccessScope = "owned"
    ) -> TrainingRun:
        """Describe one training run."""
        return await api.rest.get_training_run(
            self._invoker,
            run_id=check_id(training_run_id, "training_run_id"),
            access_scope=check_access_scope(access_scope),
        )

    async def get_training_run_by_tinker_path(
        self, tinker_path: str, access_scope: AccessScope = "owned"
    ) -> TrainingRun:
        """Describe the training run a checkpoint path belongs to."""
        path = parse_tinker_path(tinker_path, field="tinker_path")
        return await self.get_training_run(path.training_run_id, access_scope)

    async def list_training_runs(
        self,
        limit: int = 20,
        offset: int = 0,
        access_scope: AccessScope = "owned",
        project_id: str | None = None,
    ) -> TrainingRunsResponse:
        """One page of training runs, newest first (see `iter_training_runs`)."""
        validate_page_args(limit, offset)
        return await api.rest.list_training_runs(
            self._invoker,
            limit=limit,
            offset=offset,
            access_scope=check_access_scope(access_scope),
            project_id=check_optional_text(project_id, "project_id"),
        )

    def iter_training_runs(
        self,
        page_size: int = 100,
        *,
        access_scope: AccessScope = "owned",
        project_id: str | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[TrainingRun]:
        """Iterate over every training run (newest first), `page_size` per request.

        Raises:
            ValidationError: A bad argument (raised on the first iteration for the page size).
        """
        scope = check_access_scope(access_scope)
        project = check_optional_text(project_id, "project_id")

        async def fetch(limit: int, offset: int) -> Page[TrainingRun]:
            page = await self.list_training_runs(limit, offset, scope, project)
            return Page(items=page.training_runs, total_count=page.cursor.total_count)

        return iter_offset_pages(fetch, page_size=page_size, max_items=max_items)

    # -- checkpoints -----------------------------------------------------------------------

    async def list_checkpoints(self, training_run_id: str) -> CheckpointsListResponse:
        """Every checkpoint of one training run (unpaginated)."""
        return await api.rest.list_checkpoints(
            self._invoker, run_id=check_id(training_run_id, "training_run_id")
        )

    async def list_user_checkpoints(
        self, limit: int = 100, offset: int = 0
    ) -> CheckpointsListResponse:
        """One page of the user's checkpoints across runs, newest first."""
        validate_page_args(limit, offset)
        return await api.rest.list_user_checkpoints(self._invoker, limit=limit, offset=offset)

    def iter_user_checkpoints(
        self, page_size: int = 100, *, max_items: int | None = None
    ) -> AsyncIterator[Checkpoint]:
        """Iterate over every checkpoint of the user, newest first."""

        async def fetch(limit: int, offset: int) -> Page[Checkpoint]:
            page = await self.list_user_checkpoints(limit, offset)
            total = page.cursor.total_count if page.cursor is not None else None
            return Page(items=page.checkpoints, total_count=total)

        return iter_offset_pages(fetch, page_size=page_size, max_items=max_items)

    async def get_weights_info_by_tinker_path(self, tinker_path: str) -> WeightsInfoResponse:
        """Base model and LoRA configuration behind a checkpoint path."""
        path = parse_tinker_path(tinker_path, field="tinker_path")
        return await api.weights.info(self._invoker, WeightsInfoRequest(tinker_path=str(path)))

    async def get_external_weights_urls(self, tinker_path: str) -> ExternalWeightsUrlsResponse:
        """Signed download URL of every file of an ``external_weights/`` checkpoint."""
        path = require_kind(tinker_path, _EXTERNAL, field="tinker_path")
        return await api.rest.get_external_weights_urls(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def delete_checkpoint(self, training_run_id: str, checkpoint_id: str) -> None:
        """Delete a checkpoint given its run id and ``<segment>/<name>`` id."""
        await self._delete(
            parse_checkpoint_id(check_id(training_run_id, "training_run_id"), checkpoint_id)
        )

    async def delete_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Delete the checkpoint at a ``tinker://`` path."""
        await self._delete(parse_tinker_path(tinker_path, field="tinker_path"))

    async def _delete(self, path: CheckpointPath) -> None:
        await api.rest.delete_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def publish_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Make a checkpoint public (`ConflictError` if it already is)."""
        path = parse_tinker_path(tinker_path, field="tinker_path")
        await api.rest.publish_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def unpublish_checkpoint_from_tinker_path(self, tinker_path: str) -> None:
        """Make a checkpoint private again (`ConflictError` if it already is)."""
        path = parse_tinker_path(tinker_path, field="tinker_path")
        await api.rest.unpublish_checkpoint(
            self._invoker, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def set_checkpoint_ttl_from_tinker_path(
        self, tinker_path: str, ttl_seconds: int | None
    ) -> None:
        """Keep a checkpoint `ttl_seconds` from now (1 hour to 10 years); None: forever."""
        path = parse_tinker_path(tinker_path, field="tinker_path")
        request = SetCheckpointTtlRequest(ttl_seconds=validate_ttl(ttl_seconds))
        await api.rest.set_checkpoint_ttl(
            self._invoker, request, run_id=path.training_run_id, checkpoint_id=path.checkpoint_id
        )

    async def get_checkpoint_archive_url(
        self, training_run_id: str, checkpoint_id: str
    ) -> CheckpointArchiveUrlResponse:
        """JSON-era servers: the signed URL of a tar of the checkpoint, and its expiry.

        Waits 30 s (on the injected clock) and retries while the server answers 503, up to
        6 requests.
        """
        path = parse_checkpoint_id(check_id(training_run_id, "training_run_id"), checkpoint_id)
        return await fetch_archive_url(self._invoker, path, clock=self._clock)

    async def get_checkpoint_archive_url_from_tinker_path(
        self, tinker_path: str
    ) -> CheckpointArchiveUrlResponse:
        """`get_checkpoint_archive_url` for a ``tinker://`` path."""
        path = parse_tinker_path(tinker_path, field="tinker_path")
        return await fetch_archive_url(self._invoker, path, clock=self._clock)

    async def copy_weights(
        self,
        path: str,
        destination_project_id: str | None = None,
        *,
        ttl_seconds: int | None = None,
        weights_access_token: str | None = None,
    ) -> str:
        """Copy a checkpoint into a project; returns the copy's ``tinker://`` path.

        Args:
            path: The checkpoint to copy.
            destination_project_id: The project that will own the copy; defaults to
                ``TINKER_PROJECT_ID`` as it was when this client was built.
            ttl_seconds: Lifetime of the copy (1 hour to 10 years), or None for no expiry.
            weights_access_token: Grants read access to weights of another account; sent
                as a header, never logged.

        Raises:
            ValidationError: Bad path or TTL, or no destination project anywhere.
        """
        source = parse_tinker_path(path, field="path")
        project = check_optional_text(destination_project_id, "destination_project_id")
        project = project or self._default_project_id
        if project is None:
            raise ValidationError(
                "pass destination_project_id or set TINKER_PROJECT_ID",
                field="destination_project_id",
            )
        request = CopyWeightsRequest(
            source_path=str(source),
            destination_project_id=project,
            ttl_seconds=validate_ttl(ttl_seconds),
        )
        # One key for the whole logical call, so that the outer retry layer replays it too.
        headers = {_IDEMPOTENCY_HEADER: f"tinkex-copy-{uuid.uuid4().hex}"}
        if weights_access_token is not None:
            headers[WEIGHTS_ACCESS_TOKEN_HEADER] = _token(weights_access_token)
        response = await api.weights.copy(self._invoker, request, headers=headers)
        return response.tinker_path


def _token(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string", field="weights_access_token")
    remember_secret(value)  # masked in any error or log that might echo it
    return value
