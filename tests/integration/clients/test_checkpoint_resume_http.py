"""Checkpoint downloads over HTTP on 127.0.0.1: resumed with Range, size-checked, re-signed.

The embedded backend serves the signed URLs; `DownloadServer` in front of it drops
connections mid-file, expires URLs, hides range support or lies about sizes, and its log
shows what the client asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from download_http_fixtures import Answer, DownloadServer, LoggedRequest, download_server

from tinkex.adapters.http_download import AiohttpFileFetcher
from tinkex.clients.checkpoint_download import DownloadSizeError, download_checkpoint
from tinkex.clients.service import ServiceClient
from tinkex.errors import APIConnectionError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path


TINY_MODEL = "tinkex/tiny-byte-lm"


@pytest.fixture
async def fetcher() -> AsyncIterator[AiohttpFileFetcher]:
    fetcher = AiohttpFileFetcher(timeout_s=10.0, chunk_size=1024)
    yield fetcher
    await fetcher.aclose()


async def _export(front: DownloadServer, name: str) -> str:
    async with ServiceClient(
        base_url=front.url, api_key="tml-resume-test", telemetry=False, env={}
    ) as service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        saved = await training.save_weights_external(name)
    assert saved.path is not None
    return saved.path


def _stored(front: DownloadServer, path: str) -> dict[str, bytes]:
    store = front.backend.state.store
    record = store.get(path)
    return {name: store.read(record, name) for name in record.files}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def _setup(front: DownloadServer, name: str) -> tuple[str, str, int]:
    """Export a checkpoint; return its path, its largest file and that file's size.

    The front end lets the files before it pass, so its request 0 is that file's first.
    """
    path = await _export(front, name)
    files = _stored(front, path)
    big = max(files, key=lambda f: len(files[f]))
    assert len(files[big]) > 4096, "the test needs a file worth cutting"
    front.log.clear()
    front.skip = sorted(files).index(big)
    return path, big, len(files[big])


async def test_dropped_connection_resumes_with_range(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """Cut mid-file, the next request asks for the rest (Range, If-Range) and gets a 206."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, _first, size = await _setup(front, "cut")
        half = size // 2
        front.cut_after[0] = half
        seen: list[tuple[int, int | None]] = []
        result = await download_checkpoint(
            rest,
            path,
            tmp_path / "out",
            fetcher=fetcher,
            progress=lambda done, total: seen.append((done, total)),
        )
        expected = _stored(front, path)
    assert _tree(result.destination) == expected
    assert front.log[0].range is None
    assert front.log[1].range is not None
    have = int(front.log[1].range.removeprefix("bytes=").removesuffix("-"))
    assert 0 < have <= half  # what reached the disk before the cut
    assert front.log[1].if_range is not None
    assert front.log[1].status == 206
    assert all(entry.range is None for entry in front.log[2:])  # later files: whole
    assert not any(entry.credential for entry in front.log)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (result.file_size_bytes, result.file_size_bytes)
    assert not list((tmp_path / "out").glob(".*partial"))


async def test_expired_url_is_signed_again_and_resumes(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """A 410 (expired signature) after a cut: one new URL from the API, then Range from there."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, _, size = await _setup(front, "expire")
        front.cut_after[0] = size // 2
        front.expire_before.add(1)
        result = await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
        expected = _stored(front, path)
    assert [entry.status for entry in front.log[:3]] == [200, 410, 206]
    assert front.log[1].range == front.log[2].range is not None
    assert _tree(result.destination) == expected


async def test_server_without_range_support_restarts_cleanly(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """A 200 to a Range request replaces the partial file instead of being appended to it."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, _, size = await _setup(front, "norange")
        front.cut_after[0] = size // 2
        front.ignore_range = True
        result = await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
        expected = _stored(front, path)
    assert front.log[1].range is not None
    assert front.log[1].status == 200
    assert _tree(result.destination) == expected


async def test_changed_file_restarts_from_zero(tmp_path: Path, fetcher: AiohttpFileFetcher) -> None:
    """The file changed between the cut and the resume: If-Range makes the server send it all."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, first, size = await _setup(front, "changed")
        store = front.backend.state.store
        on_disk = store.root / store.relative(store.get(path), first)
        front.cut_after[0] = size // 2

        def change_file(answer: Answer) -> Answer:
            on_disk.write_bytes(b"x" * (size + 10))
            return answer

        front.rewrite[0] = change_file
        result = await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
    assert front.log[1].range is not None
    assert front.log[1].status == 200
    assert (result.destination / first).read_bytes() == b"x" * (size + 10)


async def test_short_body_raises_naming_the_file_and_keeps_the_part(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """A 206 that ends 5 bytes short of its Content-Range total fails; the next run resumes."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, first, size = await _setup(front, "short")
        front.cut_after[0] = size // 2
        front.rewrite[1] = lambda a: (a[0], a[1], a[2][:-5])
        with pytest.raises(DownloadSizeError, match=first) as caught:
            await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
        assert (caught.value.file, caught.value.expected_bytes) == (first, size)
        assert caught.value.received_bytes == size - 5
        [staging] = (tmp_path / "out").glob(".*partial")
        assert (staging / f"{first}.part").stat().st_size == size - 5
        front.log.clear()
        front.cut_after.clear()
        front.rewrite.clear()
        result = await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
        expected = _stored(front, path)
    resumed = [entry for entry in front.log if entry.range is not None]
    assert resumed == [LoggedRequest(f"bytes={size - 5}-", resumed[0].if_range, 206)]
    assert resumed[0].if_range is not None
    assert _tree(result.destination) == expected


async def test_overlong_body_raises_and_removes_the_part(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """More bytes than the Content-Range total: the part is invalid and removed."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, first, size = await _setup(front, "long")
        front.cut_after[0] = size // 2
        front.rewrite[1] = lambda a: (a[0], a[1], a[2] + b"extra")
        with pytest.raises(DownloadSizeError, match=first) as caught:
            await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
    assert caught.value.expected_bytes == size
    [staging] = (tmp_path / "out").glob(".*partial")
    assert not (staging / f"{first}.part").exists()


async def test_unannounced_sizes_are_checked_against_the_listing(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """Without Content-Length, the checkpoint size the REST API lists is the check."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, _, _ = await _setup(front, "chunked")
        front.chunked = True
        front.rewrite[0] = lambda a: (a[0], a[1], a[2] + b"!")
        with pytest.raises(DownloadSizeError, match="bytes but its files hold") as caught:
            await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
        total = sum(len(b) for b in _stored(front, path).values())
    assert (caught.value.file, caught.value.expected_bytes) == (path, total)
    assert caught.value.received_bytes == total + 1
    assert list((tmp_path / "out").iterdir()) == []


async def test_connection_dropping_every_time_gives_up_keeping_the_part(
    tmp_path: Path, fetcher: AiohttpFileFetcher
) -> None:
    """The attempts per file are bounded; what arrived stays for the next run."""
    async with download_server(tmp_path / "data") as (front, rest):
        path, first, size = await _setup(front, "flaky")
        front.cut_after.update(dict.fromkeys(range(10), 100))
        with pytest.raises(APIConnectionError):
            await download_checkpoint(rest, path, tmp_path / "out", fetcher=fetcher)
    assert len(front.log) == 5
    assert all(entry.range is not None for entry in front.log[1:])
    [staging] = (tmp_path / "out").glob(".*partial")
    assert 0 < (staging / f"{first}.part").stat().st_size < size
