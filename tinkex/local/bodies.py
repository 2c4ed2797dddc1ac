"""Request-body guards: declared size, bounded reading and bounded content decoding.

A compressed body is decoded in chunks and counted as it grows, so a decompression bomb
(a few kilobytes of zstd that expand to gigabytes) is refused with 413 once it passes the
limit, without ever holding more than a small buffer of it. Small bodies are decoded in one
pass; one whose plain size passes `_KEEP_BYTES` is first only measured (chunks discarded)
and, once known to be within the limit, decoded again into memory.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Final

import zstandard

from tinkex.local.reply import HttpError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["IDENTITY_ENCODINGS", "check_declared_length", "decode_content", "too_large"]

IDENTITY_ENCODINGS: Final = frozenset({"", "identity"})
_ZSTD: Final = frozenset({"zstd"})
_GZIP: Final = frozenset({"gzip", "x-gzip", "deflate"})
_CHUNK: Final = 1 << 20
_KEEP_BYTES: Final = 32 << 20
# zlib: 32 + 15 detects a gzip or zlib header by itself (HTTP "deflate" is zlib-wrapped).
_ZLIB_AUTO_HEADER: Final = 32 + zlib.MAX_WBITS


def too_large(what: str, limit: int) -> HttpError:
    """The 413 refusing a body whose `what` (size) passes `limit` bytes."""
    return HttpError(413, f"request body too large: {what} exceeds the limit of {limit} bytes")


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Refuse a body whose ``Content-Length`` already says it is too large.

    Args:
        headers: Request headers, names lower-case.
        limit: Largest body accepted, in bytes.

    Raises:
        HttpError: 413 over the limit, 400 for a malformed ``Content-Length``.
    """
    declared = headers.get("content-length")
    if declared is None:
        return
    try:
        length = int(declared)
    except ValueError as exc:
        raise HttpError(400, f"malformed Content-Length {declared[:40]!r}") from exc
    if length > limit:
        raise too_large(f"Content-Length {length}", limit)


def decode_content(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo a ``Content-Encoding`` (zstd, gzip or deflate) without letting it grow past `limit`.

    Args:
        body: The body as received.
        encoding: The ``Content-Encoding`` header (None, empty or ``identity``: unchanged).
        limit: Largest decoded size accepted, in bytes.

    Returns:
        The decoded body.

    Raises:
        HttpError: 413 when the decoded body passes `limit`, 415 for an encoding other than
            zstd/gzip/deflate, 400 for corrupt compressed data.
    """
    name = (encoding or "").strip().lower()
    if name in IDENTITY_ENCODINGS:
        return body
    if name not in _ZSTD | _GZIP:
        raise HttpError(
            415, f"Content-Encoding {encoding!r} is not supported (zstd, gzip or deflate)"
        )
    kept: list[bytes] | None = []
    total = 0
    for chunk in _chunks(body, name):
        total += len(chunk)
        if total > limit:
            raise too_large(f"the decoded ({name}) body", limit)
        if kept is not None:
            kept.append(chunk)
            if total > _KEEP_BYTES:
                kept = None  # only measure the rest; decode again once it is known to fit
    if kept is not None:
        return b"".join(kept)
    return b"".join(_chunks(body, name))


def _chunks(body: bytes, name: str) -> Iterator[bytes]:
    try:
        if name in _ZSTD:
            yield from _zstd_chunks(body)
        else:
            yield from _zlib_chunks(body)
    except (zstandard.ZstdError, zlib.error) as exc:
        raise HttpError(400, f"request body: corrupt {name} data ({exc})") from exc


def _zstd_chunks(body: bytes) -> Iterator[bytes]:
    # Concatenated frames are one body, as a streaming encoder may write several.
    reader = zstandard.ZstdDecompressor().stream_reader(body, read_across_frames=True)
    while chunk := reader.read(_CHUNK):
        yield chunk


def _zlib_chunks(body: bytes) -> Iterator[bytes]:
    rest = body
    while rest:
        inflater = zlib.decompressobj(_ZLIB_AUTO_HEADER)
        pending = rest
        while not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if chunk:
                yield chunk
            elif not pending:
                raise zlib.error("truncated stream")
        # Another gzip member may follow (concatenated members are one body).
        rest = inflater.unused_data
