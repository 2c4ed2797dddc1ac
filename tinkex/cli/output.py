"""Rendering for the CLI: plain-text tables, JSON documents, human-friendly values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

__all__ = [
    "format_size",
    "format_time",
    "relative_time",
    "render_table",
    "to_jsonable",
    "write_json",
]


def to_jsonable(value: object) -> Any:
    """Turn Structs (every field, nulls included), containers and datetimes into JSON data."""
    if isinstance(value, msgspec.Struct):
        return {k: to_jsonable(v) for k, v in msgspec.structs.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def write_json(out: TextIO, document: object) -> None:
    """Write `document` as indented JSON (unknown objects as their ``str``)."""
    out.write(json.dumps(to_jsonable(document), indent=2, default=str) + "\n")


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None
) -> str:
    """A plain-text table: a title line, a header, a rule, then one line per row."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [title] if title else []
    lines += [line(headers), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    return "\n".join(lines) + "\n"


def format_size(size: int | None) -> str:
    """Bytes in binary units (``1.5 MiB``), or ``-`` when unknown."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def format_time(value: datetime | None, *, missing: str = "-") -> str:
    """A UTC timestamp to the minute, or `missing`."""
    if value is None:
        return missing
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def relative_time(value: datetime | None, *, now: datetime | None = None) -> str:
    """How long ago `value` was (``5m ago``, ``3h ago``, ``2d ago``), or ``-``."""
    if value is None:
        return "-"
    seconds = ((now or datetime.now(UTC)) - value).total_seconds()
    if seconds < 0:
        return "in the future"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"
