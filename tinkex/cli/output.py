"""Rendering for the CLI: tables (styled on a terminal), JSON documents, human-friendly values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from tinkex.cli.terminal import Terminal

__all__ = [
    "Table",
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


@dataclass(frozen=True)
class Table:
    """A table a command prints: a title line, a header row, then one line per row.

    Attributes:
        headers: Column names.
        rows: One list of cells per row, in `headers` order.
        title: A summary line above the table (``3 training runs``).
    """

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str | None = None


def render_table(table: Table, terminal: Terminal | None = None) -> str:
    """Lay `table` out in aligned columns.

    Plain (no terminal, or a pipe): a header line, a rule of dashes, the rows. On a terminal
    the title and header are bold and the rule is a dim line. Cells are never cut: they hold
    tinker paths and ids that people copy.
    """
    headers, rows = table.headers, table.rows
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    styled = terminal is not None and terminal.color
    title = [table.title] if table.title else []
    header, rule = line(headers), line([("─" if styled else "-") * w for w in widths])
    if styled and terminal is not None:
        title = [terminal.bold(text) for text in title]
        header, rule = terminal.bold(header), terminal.dim(rule)
    return "\n".join([*title, header, rule, *(line(row) for row in rows)]) + "\n"


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
