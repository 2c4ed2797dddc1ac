"""Request bodies: size before and after content decoding, JSON depth, bad encodings."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from typing import TYPE_CHECKING

import msgspec
import pytest
import zstandard
from local_wire import KEY, PROTO, LocalWire, fwdbwd_proto

from tinkex.domain.limits import (
    MAX_DECOMPRESSED_BODY_BYTES,
    MAX_JSON_BODY_BYTES,
    MAX_JSON_DEPTH,
)
from tinkex.local import BackendConfig, LocalBackend
from tinkex.local.bodies import decode_content
from tinkex.local.reply import HttpError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def zstd_bomb(expanded: int, *, frame: int = 64 << 20) -> bytes:
    """Concatenated zstd frames of zeros that decode to `expanded` bytes."""
    one = zstandard.ZstdCompressor(level=3).compress(b"\0" * frame)
    return one * (expanded // frame)


def gzip_bomb(expanded: int, *, member: int = 16 << 20) -> bytes:
    """Concatenated gzip members of zeros that decode to `expanded` bytes."""
    one = gzip.compress(b"\0" * member, compresslevel=9)
    return one * (expanded // member)


def test_decode_content_round_trips_every_supported_encoding() -> None:
    plain = b'{"hello": "world"}' * 1000
    assert decode_content(plain, None, 1 << 20) == plain
    assert decode_content(plain, "identity", 1 << 20) == plain
    assert decode_content(zstandard.ZstdCompressor().compress(plain), "zstd", 1 << 20) == plain
    assert decode_content(gzip.compress(plain), "gzip", 1 << 20) == plain
    assert decode_content(gzip.compress(plain) * 2, "x-gzip", 1 << 20) == plain * 2
    assert decode_content(zlib.compress(plain), "deflate", 1 << 20) == plain
    two_frames = zstandard.ZstdCompressor().compress(plain) * 2
    assert decode_content(two_frames, "ZSTD", 1 << 20) == plain * 2


def test_decode_content_stops_at_the_limit_and_names_it() -> None:
    body = zstandard.ZstdCompressor().compress(b"x" * 5000)
    assert len(decode_content(body, "zstd", 5000)) == 5000
    with pytest.raises(HttpError) as refused:
        decode_content(body, "zstd", 4999)
    assert refused.value.status == 413
    assert "exceeds the limit of 4999 bytes" in refused.value.detail


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"not zstd at all", "zstd", 400),
        (b"not gzip at all", "gzip", 400),
        (gzip.compress(b"x" * 100)[:-12], "gzip", 400),
        (b"{}", "br", 415),
        (b"{}", "gzip, zstd", 415),
    ],
)
def test_decode_content_refuses_corrupt_or_unknown_encodings(
    body: bytes, encoding: str, status: int
) -> None:
    with pytest.raises(HttpError) as refused:
        decode_content(body, encoding, 1 << 20)
    assert refused.value.status == status


@pytest.mark.parametrize(
    ("bomb", "encoding", "limit"),
    [
        (zstd_bomb, "zstd", MAX_DECOMPRESSED_BODY_BYTES),
        # zlib inflates ~10x slower than zstd: a smaller limit keeps the test fast (the HTTP
        # test sends a gzip bomb past the real limit).
        (gzip_bomb, "gzip", 128 << 20),
    ],
)
def test_a_decompression_bomb_is_refused_without_expanding_it_in_memory(
    bomb: Callable[[int], bytes], encoding: str, limit: int
) -> None:
    """A small body expanding past the limit is counted in chunks, never held whole."""
    body = bomb(limit + (64 << 20))
    assert len(body) < 4 << 20
    tracemalloc.start()
    try:
        with pytest.raises(HttpError) as refused:
            decode_content(body, encoding, limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.status == 413
    # Counting it holds about one kept buffer (32 MiB) at most, not the expansion.
    assert peak < 64 << 20, peak


async def test_backend_decodes_compressed_bodies_and_refuses_bombs(tmp_path: Path) -> None:
    config = BackendConfig(max_decompressed_body_bytes=1 << 20, session_ttl_s=None)
    backend = LocalBackend(tmp_path, config=config)
    wire = LocalWire(backend)
    session = await wire.session()
    body = msgspec.json.encode({"session_id": session})
    for encoding, packed in (
        ("gzip", gzip.compress(body)),
        ("zstd", zstandard.ZstdCompressor().compress(body)),
    ):
        status, _, raw = await wire.call(
            "POST",
            "/api/v1/session_heartbeat",
            packed,
            headers={"Content-Encoding": encoding, "Content-Type": "application/json"},
        )
        assert status == 200, raw
    model = await wire.model(session)
    compressed = fwdbwd_proto(model, 1, [b"compressed works"], zstd=True)
    status, _, raw = await wire.call(
        "POST",
        "/api/v1/forward_backward",
        compressed,
        headers={"Content-Type": PROTO, "Content-Encoding": "zstd"},
    )
    assert status == 200, raw
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (2 << 20))
    status, _, raw = await wire.call(
        "POST",
        "/api/v1/forward_backward",
        bomb,
        headers={"Content-Type": PROTO, "Content-Encoding": "zstd"},
    )
    assert status == 413
    assert b"exceeds the limit of 1048576 bytes" in raw
    await backend.aclose()


async def test_backend_refuses_bodies_over_the_size_limit(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, config=BackendConfig(max_request_body_bytes=1000))
    status, _, raw = await backend.handle(
        "POST", "/api/v1/create_session", {}, {"X-API-Key": KEY}, b" " * 1001
    )
    assert status == 413
    assert b"exceeds the limit of 1000 bytes" in raw
    announced = {"X-API-Key": KEY, "Content-Length": "5000"}
    assert backend.admit("POST", "/api/v1/create_session", announced) is not None
    assert backend.admit("POST", "/api/v1/create_session", {"X-API-Key": KEY}) is None
    status, _, _ = await backend.handle(
        "POST", "/api/v1/create_session", {}, {"X-API-Key": KEY}, b"{}"
    )
    assert status == 200
    await backend.aclose()


def test_admission_checks_the_key_before_the_size(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, config=BackendConfig(max_request_body_bytes=10))
    no_key = backend.admit("POST", "/x/api/v1/asample", {"Content-Length": str(10**8)})
    assert no_key is not None
    assert no_key[0] == 401
    assert backend.admit("GET", "/api/v1/healthz", {}) is None
    too_big = backend.admit("POST", "/api/v1/asample", {"x-api-key": KEY, "content-length": "11"})
    assert too_big is not None
    assert too_big[0] == 413
    malformed = backend.admit("POST", "/api/v1/asample", {"x-api-key": KEY, "content-length": "x"})
    assert malformed is not None
    assert malformed[0] == 400


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 100_000])
async def test_json_nested_deeper_than_the_limit_is_a_400(wire: LocalWire, depth: int) -> None:
    deep = b"[" * depth + b"]" * depth
    wrapped = b'{"session_id": ' + deep + b"}"
    for body in (deep, wrapped):
        status, _, raw = await wire.call("POST", "/api/v1/session_heartbeat", body)
        assert status == 400, raw
        assert f"deeper than the limit of {MAX_JSON_DEPTH}".encode() in raw
    assert (await wire.call("GET", "/api/v1/healthz"))[0] == 200


async def test_json_at_the_depth_limit_and_brackets_in_strings_are_fine(wire: LocalWire) -> None:
    nested: object = "leaf"
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]
    body = {"tags": ["[" * 500], "user_metadata": {"deep": nested}, "sdk_version": "x"}
    status, reply = await wire.json("POST", "/api/v1/create_session", body)
    assert status == 200, reply


async def test_json_bodies_are_bounded_after_decoding(wire: LocalWire) -> None:
    """Parsed JSON costs several times its size: a JSON body above its own limit is a 413."""
    padded = b'{"tags": []' + b" " * MAX_JSON_BODY_BYTES + b"}"
    status, _, raw = await wire.call(
        "POST",
        "/api/v1/create_session",
        gzip.compress(padded, compresslevel=1),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert status == 413, raw
    assert f"exceeds the limit of {MAX_JSON_BODY_BYTES} bytes".encode() in raw
    status, _, raw = await wire.call("POST", "/api/v1/create_session", padded[:1000] + b"}")
    assert status == 200, raw
