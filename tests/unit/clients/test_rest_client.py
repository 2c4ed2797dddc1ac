"""RestClient against the in-process embedded backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from rest_fixtures import (
    TINY_MODEL,
    RecordingInvoker,
    create_run,
    local_runtime,
    save_external,
    save_sampler,
    save_state,
)

from tinkex import api
from tinkex.adapters.clock import FakeClock
from tinkex.clients.rest import WEIGHTS_ACCESS_TOKEN_HEADER, RestClient
from tinkex.domain.types import (
    CreateSamplingSessionRequest,
    CreateSamplingSessionResponse,
    CreateSessionRequest,
    SessionSearchRequest,
)
from tinkex.errors import (
    ConflictError,
    NotFoundError,
    RequestFailedError,
    UnsupportedByServerError,
    ValidationError,
)

if TYPE_CHECKING:
    from pathlib import Path


async def test_lists_and_describes_runs_and_checkpoints(tmp_path: Path) -> None:
    """Runs, per-run and user checkpoint listings and weights info reflect what was saved."""
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt, rank=4)
        state = await save_state(rt, run_id, "s1")
        sampler = await save_sampler(rt, run_id, "p1")
        external = await save_external(rt, run_id, "e1")
        rest = RestClient(rt.invoker)

        runs = await rest.list_training_runs()
        assert [r.training_run_id for r in runs.training_runs] == [run_id]
        assert runs.cursor.total_count == 1
        run = await rest.get_training_run(run_id)
        assert (run.base_model, run.lora_rank) == (TINY_MODEL, 4)
        assert run.last_checkpoint is not None
        assert run.last_checkpoint.tinker_path == state
        assert (await rest.get_training_run_by_tinker_path(sampler)).training_run_id == run_id

        per_run = await rest.list_checkpoints(run_id)
        assert {c.tinker_path for c in per_run.checkpoints} == {state, sampler, external}
        kinds = {c.tinker_path: c.checkpoint_type for c in per_run.checkpoints}
        assert kinds == {state: "training", sampler: "sampler", external: "external"}
        mine = await rest.list_user_checkpoints()
        assert [c.tinker_path for c in mine.checkpoints] == [external, sampler, state]
        info = await rest.get_weights_info_by_tinker_path(state)
        assert (info.base_model, info.is_lora, info.lora_rank) == (TINY_MODEL, True, 4)
        models = await rest.get_server_capabilities()
        assert TINY_MODEL in {m.model_name for m in models.supported_models}


async def test_publish_twice_raises_conflict_and_unpublish_reverts(tmp_path: Path) -> None:
    """Publishing flips the public flag; a second publish or unpublish is a 409."""
    async with local_runtime(tmp_path, clock=FakeClock()) as rt:
        run_id = await create_run(rt)
        path = await save_state(rt, run_id, "pub")
        recorder = RecordingInvoker(rt.invoker)
        rest = RestClient(recorder)

        await rest.publish_checkpoint_from_tinker_path(path)
        assert (await rest.list_checkpoints(run_id)).checkpoints[0].public is True
        with pytest.raises(ConflictError):
            await rest.publish_checkpoint_from_tinker_path(path)
        await rest.unpublish_checkpoint_from_tinker_path(path)
        assert (await rest.list_checkpoints(run_id)).checkpoints[0].public is False
        with pytest.raises(ConflictError):
            await rest.unpublish_checkpoint_from_tinker_path(path)


async def test_ttl_is_set_and_removed(tmp_path: Path) -> None:
    """A valid TTL gives the checkpoint an expiry; None removes it."""
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt)
        path = await save_state(rt, run_id, "ttl")
        rest = RestClient(rt.invoker)

        await rest.set_checkpoint_ttl_from_tinker_path(path, 7200)
        expires = (await rest.list_checkpoints(run_id)).checkpoints[0].expires_at
        assert expires is not None
        assert 7000 < (expires - datetime.now(UTC)).total_seconds() <= 7200
        await rest.set_checkpoint_ttl_from_tinker_path(path, None)
        assert (await rest.list_checkpoints(run_id)).checkpoints[0].expires_at is None


@pytest.mark.parametrize("ttl", [60, 0, -5, 11 * 365 * 86400, True])
async def test_bad_ttl_is_rejected_before_sending(tmp_path: Path, ttl: int) -> None:
    """An out-of-range TTL raises ValidationError and no request reaches the backend."""
    async with local_runtime(tmp_path, session=False) as rt:
        recorder = RecordingInvoker(rt.invoker)
        rest = RestClient(recorder)
        with pytest.raises(ValidationError) as caught:
            await rest.set_checkpoint_ttl_from_tinker_path("tinker://run-1/weights/a", ttl)
        assert caught.value.field == "ttl_seconds"
        assert recorder.calls == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: r.get_training_run(""), "training_run_id"),
        (lambda r: r.get_training_run("a/b"), "training_run_id"),
        (lambda r: r.get_training_run("run", "everyone"), "access_scope"),
        (lambda r: r.list_training_runs(limit=0), "limit"),
        (lambda r: r.list_user_checkpoints(offset=-1), "offset"),
        (lambda r: r.delete_checkpoint("run", "weights/../x"), "checkpoint_id"),
        (lambda r: r.publish_checkpoint_from_tinker_path("http://x/weights/a"), "tinker_path"),
        (lambda r: r.get_external_weights_urls("tinker://r/weights/a"), "tinker_path"),
        (lambda r: r.get_session("", "owned"), "session_id"),
        (lambda r: r.get_sampler("a/b"), "sampler_id"),
        (lambda r: r.search_sessions(SessionSearchRequest(limit=500)), "request.limit"),
        (lambda r: r.get_billing_usage("2026-01-01T00:30:00Z", "2026-01-02T00:00:00Z"), None),
        (lambda r: r.get_audit_log(day="2026-13-01"), "day"),
    ],
)
async def test_bad_arguments_fail_before_sending(tmp_path: Path, call: object, field: str) -> None:
    """Malformed ids, scopes, paging and paths raise ValidationError without a request."""
    async with local_runtime(tmp_path, session=False) as rt:
        recorder = RecordingInvoker(rt.invoker)
        rest = RestClient(recorder)
        assert callable(call)
        with pytest.raises(ValidationError) as caught:
            await call(rest)
        if field is not None:
            assert caught.value.field == field
        assert recorder.calls == []


async def test_delete_checkpoint_by_id_and_by_path(tmp_path: Path) -> None:
    """Both delete forms remove the checkpoint; deleting it again is a 404."""
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt)
        first = await save_state(rt, run_id, "a")
        second = await save_sampler(rt, run_id, "b")
        rest = RestClient(rt.invoker)

        await rest.delete_checkpoint(run_id, "weights/a")
        await rest.delete_checkpoint_from_tinker_path(second)
        assert (await rest.list_checkpoints(run_id)).checkpoints == []
        with pytest.raises(NotFoundError):
            await rest.delete_checkpoint_from_tinker_path(first)


async def test_external_weights_urls_name_every_file(tmp_path: Path) -> None:
    """An external_weights checkpoint gets one signed URL per exported file."""
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt)
        path = await save_external(rt, run_id, "exp")
        urls = await RestClient(rt.invoker).get_external_weights_urls(path)
        exported = tmp_path / "checkpoints"
        files = {p.name for p in exported.rglob("*") if p.is_file() and "exp" in p.parts}
        assert set(urls.urls) == files
        assert all("/local/signed/" in url for url in urls.urls.values())
        assert urls.expires > datetime.now(UTC)


async def test_iterators_walk_several_pages(tmp_path: Path) -> None:
    """The run, checkpoint and session iterators follow the cursor across pages."""
    async with local_runtime(tmp_path) as rt:
        runs = [await create_run(rt) for _ in range(3)]
        saved = [await save_state(rt, runs[0], f"c{i}") for i in range(5)]
        for _ in range(2):
            request = CreateSessionRequest(tags=[], user_metadata={}, sdk_version="test")
            await api.session.create(rt.invoker, request)
        recorder = RecordingInvoker(rt.invoker)
        rest = RestClient(recorder)

        walked = [r.training_run_id async for r in rest.iter_training_runs(page_size=2)]
        assert sorted(walked) == sorted(runs)
        assert recorder.calls.count("rest.list_training_runs") == 2
        checkpoints = [c.tinker_path async for c in rest.iter_user_checkpoints(page_size=2)]
        assert checkpoints == list(reversed(saved))
        assert recorder.calls.count("rest.list_user_checkpoints") == 3
        sessions = [s async for s in rest.iter_sessions(page_size=1)]
        assert len(set(sessions)) == 3
        first_two = [c async for c in rest.iter_user_checkpoints(page_size=2, max_items=2)]
        assert len(first_two) == 2


async def test_sessions_samplers_and_project_assignment(tmp_path: Path) -> None:
    """A session lists its runs and samplers; assigning a project shows in search."""
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt)
        session_id = await rt.session_id()
        request = CreateSamplingSessionRequest(
            session_id=session_id, sampling_session_seq_id=0, base_model=TINY_MODEL
        )
        created = await api.sampling.create_session(rt.invoker, request)
        assert isinstance(created, CreateSamplingSessionResponse)
        rest = RestClient(rt.invoker)

        session = await rest.get_session(session_id)
        assert session.training_run_ids == [run_id]
        assert session.sampler_ids == [created.sampling_session_id]
        sampler = await rest.get_sampler(created.sampling_session_id)
        assert sampler.base_model == TINY_MODEL
        assert session_id in (await rest.list_sessions()).sessions

        await rest.assign_session_project(session_id, "proj-7")
        hits = [s async for s in rest.iter_search_sessions(SessionSearchRequest(limit=1))]
        assert [(h.session_id, h.project_id) for h in hits] == [(session_id, "proj-7")]


async def test_trace_export_failure_is_raised(tmp_path: Path) -> None:
    """The backend reports trace exports as failed; the client raises RequestFailedError."""
    async with local_runtime(tmp_path) as rt:
        with pytest.raises(RequestFailedError, match="not available locally"):
            await RestClient(rt.invoker, clock=FakeClock()).export_session_trace(
                await rt.session_id()
            )


async def test_admin_calls_on_a_server_without_them_are_unsupported(tmp_path: Path) -> None:
    """Audit and billing 404s become UnsupportedByServerError naming the feature."""
    async with local_runtime(tmp_path, session=False) as rt:
        rest = RestClient(rt.invoker)
        with pytest.raises(UnsupportedByServerError, match="audit log"):
            await rest.get_audit_log("checkpoints", "2026-01-05")
        with pytest.raises(UnsupportedByServerError, match="billing usage"):
            await rest.get_billing_usage("2026-01-01T00:00:00Z", "2026-01-02T00:00:00+00:00")
        with pytest.raises(UnsupportedByServerError, match="storage"):
            await rest.get_current_checkpoint_storage_usage()


async def test_copy_weights_needs_a_project_and_sends_the_token(tmp_path: Path) -> None:
    """Without a project nothing is sent; with TINKER_PROJECT_ID the copy is a new run."""
    async with local_runtime(tmp_path) as rt:
        run_id = await create_run(rt)
        source = await save_state(rt, run_id, "src")
        recorder = RecordingInvoker(rt.invoker)
        with pytest.raises(ValidationError, match="TINKER_PROJECT_ID"):
            await RestClient(recorder, env={}).copy_weights(source)
        assert recorder.calls == []

        rest = RestClient(recorder, env={"TINKER_PROJECT_ID": "proj-1"})
        copy = await rest.copy_weights(source, ttl_seconds=3600, weights_access_token="tok-1")
        assert copy != source
        assert copy.endswith("/weights/src")
        assert recorder.headers[-1][WEIGHTS_ACCESS_TOKEN_HEADER] == "tok-1"
        assert recorder.headers[-1]["X-Idempotency-Key"].startswith("tinkex-copy-")
        copied_run = await rest.get_training_run_by_tinker_path(copy)
        assert copied_run.base_model == TINY_MODEL
        assert "tok-1" not in repr(rest)
