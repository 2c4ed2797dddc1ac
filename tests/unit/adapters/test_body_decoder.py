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
