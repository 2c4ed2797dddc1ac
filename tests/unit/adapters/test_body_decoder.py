"""Content-Encoding decoding shared by the aiohttp transports."""

from __future__ import annotations

import gzip
import zlib

import pytest
import zstandard
from aiohttp.payload import BytesPayload

from tinkex.adapters.aiohttp_transport import body_payload
from tinkex.adapters.content_encoding import BodyDecoder, decode_body
from tinkex.errors import APIConnectionError

DATA = bytes(range(256)) * 300


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("gzip", gzip.compress(DATA[:1000]) + gzip.compress(DATA[1000:])),
        (
            "zstd",
            zstandard.ZstdCompressor().compress(DATA[:1000])
            + zstandard.ZstdCompressor().compress(DATA[1000:]),
        ),
        ("deflate", zlib.compress(DATA)),
        ("deflate", zlib.compress(DATA, wbits=-zlib.MAX_WBITS)),
    ],
    ids=["gzip-two-members", "zstd-two-frames", "deflate-zlib", "deflate-raw"],
)
def test_bodies_decode_whole_and_in_small_chunks(encoding: str, encoded: bytes) -> None:
    """Multi-member / multi-frame bodies decode fully, fed at once or 7 bytes at a time."""
    assert decode_body(encoded, encoding) == DATA
    assert decode_body(encoded, encoding.upper()) == DATA
    decoder = BodyDecoder(encoding)
    out = b"".join(decoder.feed(chunk) for chunk in _chunks(encoded, 7)) + decoder.finish()
    assert out == DATA


@pytest.mark.parametrize("encoding", [None, "", "identity"])
def test_identity_bodies_pass_through(encoding: str | None) -> None:
    """No encoding or identity leaves the bytes alone."""
    assert decode_body(b"raw", encoding) == b"raw"


def test_unsupported_and_corrupt_bodies_are_connection_errors() -> None:
    """An encoding we never asked for, or broken bytes, fail as APIConnectionError."""
    with pytest.raises(APIConnectionError, match="br"):
        decode_body(b"x", "br")
    with pytest.raises(APIConnectionError, match="gzip"):
        decode_body(b"not gzip at all", "gzip")


def test_large_bodies_are_wrapped_without_a_copy_or_warning() -> None:
    """Bodies above 1 MiB become a payload over the same bytes (no ResourceWarning)."""
    small = b"x" * 1024
    assert body_payload(small) is small
    assert body_payload(None) is None
    body = b"y" * (2 << 20)
    large = body_payload(body)  # filterwarnings=error: a ResourceWarning would fail here
    assert isinstance(large, BytesPayload)
    assert large.size == len(body)
    assert large._value is body  # the payload shares the body, it does not copy it


class _RecordingWriter:
    """Stands in for aiohttp's stream writer: records every write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    async def write(self, chunk: bytes | memoryview) -> None:
        self.writes.append(bytes(chunk))


@pytest.mark.parametrize("content_length", [None, 3 << 20, (3 << 20) - 5])
async def test_large_bodies_are_written_in_slices_byte_for_byte(
    content_length: int | None,
) -> None:
    """A large body goes out in bounded slices that add up to exactly the body."""
    body = bytes(range(251)) * ((3 << 20) // 251 + 1)  # odd length: a short last slice
    body = body[: 3 << 20]
    payload = body_payload(body)
    assert isinstance(payload, BytesPayload)
    writer = _RecordingWriter()
    await payload.write_with_length(writer, content_length)  # type: ignore[arg-type]
    expected = body if content_length is None else body[:content_length]
    assert b"".join(writer.writes) == expected
    assert len(writer.writes) > 1
    assert max(len(w) for w in writer.writes) <= 256 * 1024
    whole = _RecordingWriter()
    await payload.write(whole)  # type: ignore[arg-type]
    assert b"".join(whole.writes) == body
