"""How the CLI draws on one stream: styled and redrawn in place on a terminal, plain otherwise.

A stream that is not a terminal (a pipe, a file, CI logs) gets plain text with no escape codes,
so output stays greppable and diffable. On a terminal, ANSI bold/dim styles are used unless
``NO_COLOR`` is set (https://no-color.org) or ``TERM=dumb``; live lines (progress) are redrawn in
place whenever the stream is a terminal, colours or not.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

__all__ = ["Terminal"]

_BOLD: Final = "\x1b[1m"
_DIM: Final = "\x1b[2m"
_RESET: Final = "\x1b[0m"
ERASE_LINE: Final = "\r\x1b[2K"
"""Move to the start of the line and clear it."""


@dataclass(frozen=True)
class Terminal:
    """What one output stream can show.

    Attributes:
        live: The stream is a terminal: a status line can be redrawn in place.
        color: ANSI styles are allowed.
        width: Columns available (80 when unknown).
    """

    live: bool
    color: bool
    width: int = 80

    @classmethod
    def of(cls, stream: TextIO, env: Mapping[str, str]) -> Terminal:
        """Inspect `stream` (``isatty``) and the environment (``NO_COLOR``, ``TERM``)."""
        isatty = getattr(stream, "isatty", None)
        try:
            live = bool(isatty()) if isatty is not None else False
        except ValueError:  # a closed stream
            live = False
        color = live and "NO_COLOR" not in env and env.get("TERM", "") != "dumb"
        width = shutil.get_terminal_size((80, 24)).columns if live else 80
        return cls(live=live, color=color, width=max(width, 20))

    def bold(self, text: str) -> str:
        """`text` in bold when styles are allowed."""
        return f"{_BOLD}{text}{_RESET}" if self.color and text else text

    def dim(self, text: str) -> str:
        """`text` dimmed when styles are allowed."""
        return f"{_DIM}{text}{_RESET}" if self.color and text else text

    def fit(self, text: str) -> str:
        """`text` cut to one line of the terminal (a redrawn line must not wrap)."""
        limit = self.width - 1
        return text if len(text) <= limit else text[: limit - 1] + "…"
