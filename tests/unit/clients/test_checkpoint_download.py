"""download_checkpoint end to end over a loopback server of the embedded backend."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pytest
from download_fixtures import served_backend
from rest_fixtures import RecordingInvoker, save_external, save_sampler, save_state
from test_rest_paging_and_archive import ScriptedInvoker

from tinkex.adapters.clock import SystemClock
from tinkex.adapters.http_download import AiohttpFileFetcher
from tinkex.clients.checkpoint_download import (
    download_checkpoint,
    safe_relative_path,
    target_directory,
)
from tinkex.clients.rest import RestClient
from tinkex.clients.service import ServiceClient
from tinkex.domain.paths import parse_tinker_path
from tinkex.domain.types import ExternalWeightsUrlsResponse
from tinkex.errors import APIConnectionError, PermissionDeniedError, ValidationError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.local import LocalBackend


@pytest.fixture
async def fetcher() -> AsyncIterator[AiohttpFileFetcher]:
    fetcher = AiohttpFileFetcher(timeout_s=10.0, chunk_size=4096)
    yield fetcher
    await fetcher.aclose()


class AheadClock(SystemClock):
    """The real clock, `ahead_s` seconds in the future (signed URLs look nearly expired)."""

    def __init__(self, ahead_s: float) -> None:
        self.ahead_s = ahead_s

    def time(self) -> float:
        return time.time() + self.ahead_s


def _stored_files(backend: LocalBackend, tinker_path: str) -> dict[str, bytes]:
    record = backend.state.store.get(tinker_path)
    return {name: backend.state.store.read(record, name) for name in record.files}


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_download_writes_the_exported_files(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """Every exported file lands byte-identical in <out>/<run>_external_weights_<name>."""
    async with served_backend(tmp_path / "data") as s:
        path = await save_external(s.local, s.run_id, "final")
        seen: list[tuple[int, int | None]] = []
        result = await download_checkpoint(
            s.rest,
            path,
            tmp_path / "out",
            fetcher=fetcher,
            progress=lambda done, total: seen.append((done, total)),
        )
        expected = _stored_files(s.backend, path)
    assert result.destination == tmp_path / "out" / f"{s.run_id}_external_weights_final"
    assert _read_tree(result.destination) == expected
    assert result.file_size_bytes == sum(len(b) for b in expected.values())
    assert result.files == sorted(expected)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (result.file_size_bytes, result.file_size_bytes)
    assert len(seen) > len(expected)  # streamed in several chunks
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [result.destination.name]


async def test_existing_target_needs_force(tmp_path: Path, fetcher: AiohttpFileFetcher) -> None:
    """A second download is refused without force and replaces the directory with it."""
    async with served_backend(tmp_path / "data") as s:
        path = await save_external(s.local, s.run_id, "again")
        out = tmp_path / "out"
        first = await download_checkpoint(s.rest, path, out, fetcher=fetcher)
        stale = first.destination / "stale.txt"
        stale.write_text("old")
        with pytest.raises(ValidationError, match="already exists"):
            await download_checkpoint(s.rest, path, out, fetcher=fetcher)
        assert stale.exists()
        second = await download_checkpoint(s.rest, path, out, fetcher=fetcher, force=True)
        assert not stale.exists()
        assert _read_tree(second.destination) == _stored_files(s.backend, path)


async def test_nearly_expired_urls_are_signed_again(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """With under 5 minutes left on the URLs, they are fetched anew before each file."""
    async with served_backend(tmp_path / "data", clock=AheadClock(900 - 120)) as s:
        path = await save_external(s.local, s.run_id, "resign")
        recorder = RecordingInvoker(s.rest._invoker)
        rest = RestClient(recorder, clock=s.rest.clock)
        result = await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
        files = _stored_files(s.backend, path)
    assert recorder.calls.count("rest.get_external_weights_urls") == 1 + len(files)
    assert _read_tree(result.destination) == files


async def test_training_state_is_exported_downloaded_and_cleaned_up(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """A weights/ path is exported through a ServiceClient; the temporary export is deleted."""
    async with served_backend(tmp_path / "data") as s:
        state = await save_state(s.local, s.run_id, "state")
        direct = await save_external(s.local, s.run_id, "direct")
        async with ServiceClient(backend=s.backend, telemetry=False, env={}) as service:
            result = await download_checkpoint(
                s.rest, state, tmp_path / "out", fetcher=fetcher, service=service
            )
        leftovers = [c.tinker_path async for c in s.rest.iter_user_checkpoints()]
        expected = _stored_files(s.backend, direct)
    assert result.destination.name == f"{s.run_id}_weights_state"
    assert result.checkpoint_path == state
    got = _read_tree(result.destination)
    assert sorted(got) == sorted(expected)
    npz = [name for name in got if name.endswith(".npz")]
    for name in npz:
        with np.load(io.BytesIO(got[name])) as mine, np.load(io.BytesIO(expected[name])) as ref:
            assert sorted(mine.files) == sorted(ref.files)
            for key in ref.files:
                np.testing.assert_array_equal(mine[key], ref[key])
    assert not [p for p in leftovers if p.endswith("/external_weights/download")]


async def test_sampler_and_unexported_training_paths_are_refused(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """Sampler weights cannot be downloaded; a weights/ path needs a ServiceClient."""
    async with served_backend(tmp_path / "data") as s:
        sampler = await save_sampler(s.local, s.run_id, "smp")
        with pytest.raises(ValidationError, match="sampler"):
            await download_checkpoint(s.rest, sampler, tmp_path / "out", fetcher=fetcher)
        with pytest.raises(ValidationError, match="ServiceClient"):
            await download_checkpoint(
                s.rest, f"tinker://{s.run_id}/weights/x", tmp_path / "out", fetcher=fetcher
            )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "name", ["../evil", "a/../../evil", "/etc/passwd", "C:/x", "a\\..\\b", "", ".", "a//b"]
)
def test_unsafe_relative_paths_are_rejected(name: str) -> None:
    """Paths that are absolute, empty or climb out of the target are refused."""
    with pytest.raises(ValidationError):
        safe_relative_path(name)


def test_nested_relative_paths_are_accepted() -> None:
    """Ordinary nested relative paths pass unchanged."""
    assert safe_relative_path("sub/dir/model.bin").parts == ("sub", "dir", "model.bin")


async def test_traversal_from_the_server_writes_nothing(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """A server naming '../evil' gets the download refused before any file is written."""
    expires = datetime.now(UTC) + timedelta(hours=1)
    urls = ExternalWeightsUrlsResponse(
        urls={"ok.bin": "http://127.0.0.1:9/a", "../evil": "http://127.0.0.1:9/b"},
        expires=expires,
    )
    rest = RestClient(ScriptedInvoker([urls]))
    with pytest.raises(ValidationError, match="unsafe"):
        await download_checkpoint(
            rest, "tinker://run-1/external_weights/x", tmp_path / "out", fetcher=fetcher
        )
    assert not (tmp_path / "evil").exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("names", "quoted"),
    [
        (["a", "a/b.bin"], ["'a'", "'a/b.bin'"]),
        (["sub/deeper/x.bin", "sub/deeper"], ["'sub/deeper'", "'sub/deeper/x.bin'"]),
        (["Model.bin", "model.bin"], ["'Model.bin'", "'model.bin'"]),
        (["Dir/x.bin", "dir"], ["'dir'", "'Dir/x.bin'"]),
    ],
)
async def test_colliding_file_names_are_refused_naming_both(
    tmp_path: Path, fetcher: AiohttpFileFetcher, names: list[str], quoted: list[str]
) -> None:
    """A name that is another's folder, or differs only in case, is a typed error up front."""
    urls = ExternalWeightsUrlsResponse(
        urls={name: f"http://127.0.0.1:9/{index}" for index, name in enumerate(names)},
        expires=datetime.now(UTC) + timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as caught:
        await download_checkpoint(
            RestClient(ScriptedInvoker([urls])),
            "tinker://run-1/external_weights/x",
            tmp_path / "out",
            fetcher=fetcher,
        )
    assert caught.value.field == "urls"
    for name in quoted:
        assert name in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_target_directory_flattens_the_path(tmp_path: Path) -> None:
    """The target directory is the path without its scheme, '/' replaced by '_'."""
    path = parse_tinker_path("tinker://sess-1:train:0/external_weights/final")
    assert target_directory(path, tmp_path) == tmp_path / "sess-1:train:0_external_weights_final"


async def test_fetcher_maps_statuses_and_hides_signed_urls(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """A rejected URL raises the status error; a dead host a connection error; no URL leaks."""
    async with served_backend(tmp_path / "data") as s:
        forged = f"{s.url}/local/signed/99999999999/0123456789abcdef/file/c2VjcmV0"
        with pytest.raises(PermissionDeniedError) as rejected:
            async with fetcher.open(forged):
                pass
        assert "0123456789abcdef" not in str(rejected.value)
    with pytest.raises(APIConnectionError) as refused:
        async with fetcher.open(f"{s.url}/local/signed/1/secret-signature/file/x"):
            pass
    assert "secret-signature" not in str(refused.value)
