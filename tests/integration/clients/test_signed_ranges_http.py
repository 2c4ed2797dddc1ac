"""The embedded backend's signed URLs over 127.0.0.1: Range, If-Range, 416, expiry, no API key.

Also the in-process fetcher (what ``tinkex checkpoint download`` uses against the in-process
backend) asking the same backend for a range.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest
from download_http_fixtures import DownloadServer, download_server

from tinkex.clients.service import ServiceClient
from tinkex.clients.transport_fetcher import TransportFileFetcher
from tinkex.local.inprocess import InProcessTransport

if TYPE_CHECKING:
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"


async def _signed_file(front: DownloadServer) -> tuple[str, bytes]:
    async with ServiceClient(
        base_url=front.url, api_key="tml-ranges-test", telemetry=False, env={}
    ) as service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        saved = await training.save_weights_external("ranges")
        assert saved.path is not None
        urls = await service.create_rest_client().get_external_weights_urls(saved.path)
    store = front.backend.state.store
    record = store.get(saved.path)
    name = max(record.files, key=lambda f: len(store.read(record, f)))
    return urls.urls[name], store.read(record, name)


async def test_signed_url_serves_ranges(tmp_path: Path) -> None:
    """206 with Content-Range for open, closed and suffix ranges; the ETag is stable."""
    async with download_server(tmp_path / "data") as (front, _), aiohttp.ClientSession() as http:
        url, data = await _signed_file(front)
        size = len(data)
        async with http.get(url) as whole:
            assert whole.status == 200
            assert whole.headers["Accept-Ranges"] == "bytes"
            etag = whole.headers["ETag"]
            assert await whole.read() == data
        cases = {"bytes=100-": (100, size - 1), "bytes=10-19": (10, 19), "bytes=-7": (size - 7,)}
        for header, bounds in cases.items():
            first, last = bounds[0], bounds[-1] if len(bounds) > 1 else size - 1
            async with http.get(url, headers={"Range": header, "If-Range": etag}) as part:
                assert part.status == 206, header
                assert part.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
                assert await part.read() == data[first : last + 1]
    assert all(entry.range is not None for entry in front.log[1:])


async def test_unsatisfiable_range_and_stale_if_range(tmp_path: Path) -> None:
    """A start at the end is 416 (with the size); a stale If-Range gets the whole file."""
    async with download_server(tmp_path / "data") as (front, _), aiohttp.ClientSession() as http:
        url, data = await _signed_file(front)
        size = len(data)
        async with http.get(url, headers={"Range": f"bytes={size}-"}) as refused:
            assert refused.status == 416
            assert refused.headers["Content-Range"] == f"bytes */{size}"
        stale = {"Range": "bytes=5-", "If-Range": '"not-the-tag"'}
        async with http.get(url, headers=stale) as whole:
            assert whole.status == 200
            assert await whole.read() == data


@pytest.mark.parametrize(("shift_s", "status"), [(0.0, 206), (100_000.0, 410)])
async def test_signed_url_expires(tmp_path: Path, shift_s: float, status: int) -> None:
    """Past its expiry a signed URL answers 410 (what the download flow re-signs on)."""
    async with download_server(tmp_path / "data") as (front, _), aiohttp.ClientSession() as http:
        url, _ = await _signed_file(front)
        front.clock.shift += shift_s
        async with http.get(url, headers={"Range": "bytes=1-"}) as answer:
            assert answer.status == status


async def test_in_process_fetcher_asks_for_a_range(tmp_path: Path) -> None:
    """`TransportFileFetcher` sends Range/If-Range and reports the 206 it got."""
    async with download_server(tmp_path / "data") as (front, _):
        url, data = await _signed_file(front)
        fetcher = TransportFileFetcher(InProcessTransport(front.backend, front.url))
        async with fetcher.open(url) as whole:
            tag = whole.validator
            assert whole.status == 200
        async with fetcher.open(url, start=9, if_range=tag) as part:
            body = b"".join([chunk async for chunk in part.chunks()])
            assert (part.status, part.content_range) == (
                206,
                f"bytes 9-{len(data) - 1}/{len(data)}",
            )
        async with fetcher.open(url, start=9, if_range='"changed"') as changed:
            assert changed.status == 200
        await fetcher.aclose()
    assert tag is not None
    assert body == data[9:]
