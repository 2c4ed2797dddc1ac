"""Incremental decoding of HTTP ``Content-Encoding`` (gzip, deflate, zstd) for the transports.

aiohttp decodes gzip and deflate itself but fails on zstd unless an extra package is installed,
so the aiohttp adapters turn its decoding off and use this module for all three.
"""

from __future__ import annotations

import zlib
from typing import Any

import zstandard

from tinkex.errors import APIConnectionError

__all__ = ["BodyDecoder", "decode_body"]


class BodyDecoder:
    """Incremental `Content-Encoding` decoder for gzip, deflate and zstd bodies.

    Raises `APIConnectionError` when the bytes are not valid for their encoding (a corrupt
    transfer is indistinguishable from a broken connection for the caller).
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zstd: Any = None
        self._zlib: Any = None
        if encoding == "zstd":
            self._zstd = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True)
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # 32 + MAX_WBITS accepts a zlib header; servers that send raw deflate are
            # handled on the first chunk (see feed).
            self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS)
            self._first = True
        else:
            raise APIConnectionError(f"response used unsupported content-encoding {encoding!r}")

    def feed(self, chunk: bytes) -> bytes:
        """Decode one chunk of the body and return whatever output it completes."""
        try:
            if self._zstd is not None:
                return bytes(self._zstd.decompress(chunk))
            return self._feed_zlib(chunk)
        except (zlib.error, zstandard.ZstdError) as exc:
            raise APIConnectionError(f"corrupt {self.encoding} response body: {exc}") from exc

    def _feed_zlib(self, chunk: bytes) -> bytes:
        if self.encoding == "deflate" and self._first:
            self._first = False
            try:
                return bytes(self._zlib.decompress(chunk))
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        out = self._zlib.decompress(chunk)
        # A gzip body may hold several members; each one needs a fresh decompressor.
        while self._zlib.eof and self._zlib.unused_data:
            rest = self._zlib.unused_data
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += self._zlib.decompress(rest)
        return bytes(out)

    def finish(self) -> bytes:
        """Flush what is buffered at the end of the body."""
        if self._zlib is None:
            return b""
        return bytes(self._zlib.flush())


def decode_body(body: bytes, encoding: str | None) -> bytes:
    """Decode a whole body according to its `Content-Encoding` (None or identity: as is)."""
    if not encoding or not body:
        return body
    encoding = encoding.strip().lower()
    if encoding == "identity":
        return body
    decoder = BodyDecoder(encoding)
    return decoder.feed(body) + decoder.finish()
