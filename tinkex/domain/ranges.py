"""HTTP range requests: the headers that resume a download from a byte offset."""

from __future__ import annotations

__all__ = ["range_headers"]


def range_headers(start: int, if_range: str | None) -> dict[str, str]:
    """The headers asking for the rest of a body from byte `start` (none when 0).

    `if_range` (the ETag or Last-Modified the partial bytes came with) makes a server whose
    file changed answer the whole new file (200) instead of a range of it.
    """
    if start <= 0:
        return {}
    headers = {"Range": f"bytes={start}-"}
    if if_range:
        headers["If-Range"] = if_range
    return headers
