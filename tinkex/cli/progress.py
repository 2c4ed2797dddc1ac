"""Progress on standard error: pages fetched of a listing, bytes of a download with an ETA.

On a terminal one status line is redrawn in place (at most every `REDRAW_INTERVAL_S`) and
erased when the work is done, so only the command's result remains. Elsewhere (pipes, CI logs)
progress is a few plain lines: one per page, one per quarter of a download.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Final

from tinkex.cli.output import format_size
from tinkex.cli.terminal import ERASE_LINE

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    from tinkex.cli.terminal import Terminal

__all__ = ["PageProgress", "ProgressLine", "TransferProgress", "format_duration"]

REDRAW_INTERVAL_S: Final = 0.1


class ProgressLine:
    """One status line: redrawn in place on a terminal, printed only at milestones elsewhere.

    Args:
        stream: Standard error.
        terminal: What `stream` can show.
    """

    def __init__(self, stream: TextIO, terminal: Terminal) -> None:
        self._stream = stream
        self._terminal = terminal
        self._drawn = False

    @property
    def live(self) -> bool:
        """True when the line is redrawn in place."""
        return self._terminal.live

    def show(self, text: str, *, milestone: bool) -> None:
        """Draw `text`; off a terminal only milestones are printed (one line each)."""
        if self._terminal.live:
            self._stream.write(ERASE_LINE + self._terminal.dim(self._terminal.fit(text)))
            self._drawn = True
        elif milestone:
            self._stream.write(text + "\n")
        else:
            return
        self._stream.flush()

    def close(self) -> None:
        """Erase the live line, if one was drawn."""
        if self._drawn:
            self._stream.write(ERASE_LINE)
            self._stream.flush()
            self._drawn = False


class PageProgress:
    """``Fetching training runs: page 2 of 5 (200 of 450)`` while a listing is paged.

    Nothing is shown when everything fits in one page.

    Args:
        line: Where to draw.
        noun: What is listed (``training runs``).
        page_size: Items per page.
    """

    def __init__(self, line: ProgressLine, noun: str, page_size: int) -> None:
        self._line = line
        self._noun = noun
        self._page_size = page_size

    def update(self, fetched: int, wanted: int) -> None:
        """Report that `fetched` of `wanted` items have arrived."""
        pages = math.ceil(wanted / self._page_size)
        if pages <= 1:
            return
        page = min(math.ceil(fetched / self._page_size), pages)
        self._line.show(
            f"Fetching {self._noun}: page {page} of {pages} ({fetched} of {wanted})",
            milestone=True,
        )

    def close(self) -> None:
        """Erase the live line."""
        self._line.close()


class TransferProgress:
    """``Downloading 1.2 MiB / 4.0 MiB (30%), 2.1 MiB/s, ETA 2s``; a download progress callback.

    Args:
        line: Where to draw.
        clock: Monotonic seconds (a fake in tests).
    """

    def __init__(self, line: ProgressLine, clock: Callable[[], float] = time.monotonic) -> None:
        self._line = line
        self._clock = clock
        self._started = clock()
        self._last_draw = -math.inf
        self._quarter = -1

    def __call__(self, done: int, total: int | None) -> None:
        """Report `done` bytes of `total` (None: unknown)."""
        now = self._clock()
        finished = total is not None and done >= total
        quarter = min(4, done * 4 // total) if total else -1
        milestone = quarter > self._quarter
        if milestone:
            self._quarter = quarter
        if self._line.live and not finished and now - self._last_draw < REDRAW_INTERVAL_S:
            return
        self._last_draw = now
        self._line.show(self.describe(done, total, now - self._started), milestone=milestone)

    @staticmethod
    def describe(done: int, total: int | None, elapsed_s: float) -> str:
        """The status text after `elapsed_s` seconds."""
        rate = done / elapsed_s if elapsed_s > 0 else 0.0
        text = f"Downloading {format_size(done)}"
        if not total:
            return text + (f", {format_size(int(rate))}/s" if rate else "")
        text += f" / {format_size(total)} ({min(100, done * 100 // total)}%)"
        if done >= total:
            return text + (f", {format_size(int(rate))}/s" if rate else "")
        if rate <= 0:
            return text + ", ETA --"
        eta = format_duration((total - done) / rate)
        return text + f", {format_size(int(rate))}/s, ETA {eta}"

    def close(self) -> None:
        """Erase the live line."""
        self._line.close()


def format_duration(seconds: float) -> str:
    """``42s``, ``3m05s`` or ``2h10m``."""
    whole = max(0, math.ceil(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
