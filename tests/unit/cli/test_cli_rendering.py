"""Tables and progress lines: styled and redrawn on a terminal, plain text everywhere else."""

from __future__ import annotations

import io

from cli_fixtures import Terminal as TerminalStream

from tinkex.cli.output import Table, render_table
from tinkex.cli.progress import PageProgress, ProgressLine, TransferProgress, format_duration
from tinkex.cli.terminal import ERASE_LINE, Terminal

TABLE = Table(["Run ID", "LoRA"], [["run-1", "Yes (Rank 4)"], ["run-22", "No"]], title="2 runs")
PLAIN = Terminal(live=False, color=False)
LIVE = Terminal(live=True, color=True, width=60)


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_table_has_no_escape_codes() -> None:
    """Off a terminal the table is aligned text with a dashed rule."""
    assert render_table(TABLE, PLAIN).splitlines() == [
        "2 runs",
        "Run ID  LoRA",
        "------  ------------",
        "run-1   Yes (Rank 4)",
        "run-22  No",
    ]


def test_terminal_table_is_styled_but_cells_are_intact() -> None:
    """On a colour terminal the title and header are bold, the rule dim; cells are not cut."""
    lines = render_table(TABLE, LIVE).splitlines()
    assert lines[0] == "\x1b[1m2 runs\x1b[0m"
    assert lines[1] == "\x1b[1mRun ID  LoRA\x1b[0m"
    assert lines[2] == "\x1b[2m" + "─" * 6 + "  " + "─" * 12 + "\x1b[0m"
    assert lines[3:] == ["run-1   Yes (Rank 4)", "run-22  No"]


def test_terminal_detection_honours_no_color_and_dumb_terminals() -> None:
    """A TTY is live; NO_COLOR or TERM=dumb turn styles off; a pipe is neither."""
    assert Terminal.of(TerminalStream(), {}).color is True
    assert Terminal.of(TerminalStream(), {"NO_COLOR": ""}) == Terminal.of(
        TerminalStream(), {"TERM": "dumb"}
    )
    no_color = Terminal.of(TerminalStream(), {"NO_COLOR": "1"})
    assert (no_color.live, no_color.color) == (True, False)
    piped = Terminal.of(io.StringIO(), {})
    assert (piped.live, piped.color) == (False, False)


def test_page_progress_prints_one_plain_line_per_page() -> None:
    """Off a terminal each page fetched is one line; a one-page listing prints nothing."""
    err = io.StringIO()
    progress = PageProgress(ProgressLine(err, PLAIN), "training runs", 100)
    progress.update(100, 250)
    progress.update(200, 250)
    progress.update(250, 250)
    progress.close()
    assert err.getvalue().splitlines() == [
        "Fetching training runs: page 1 of 3 (100 of 250)",
        "Fetching training runs: page 2 of 3 (200 of 250)",
        "Fetching training runs: page 3 of 3 (250 of 250)",
    ]
    quiet = io.StringIO()
    single = PageProgress(ProgressLine(quiet, PLAIN), "training runs", 100)
    single.update(40, 40)
    single.close()
    assert quiet.getvalue() == ""


def test_page_progress_redraws_in_place_and_erases_itself_on_a_terminal() -> None:
    """On a terminal every page redraws the same line, which is erased when done."""
    err = io.StringIO()
    progress = PageProgress(ProgressLine(err, LIVE), "checkpoints", 2)
    progress.update(2, 3)
    progress.update(3, 3)
    progress.close()
    assert err.getvalue() == (
        f"{ERASE_LINE}\x1b[2mFetching checkpoints: page 1 of 2 (2 of 3)\x1b[0m"
        f"{ERASE_LINE}\x1b[2mFetching checkpoints: page 2 of 2 (3 of 3)\x1b[0m"
        f"{ERASE_LINE}"
    )


def test_transfer_progress_shows_rate_and_eta() -> None:
    """Two seconds for 1 MiB of 4 MiB: 512 KiB/s, six seconds to go."""
    assert TransferProgress.describe(1 << 20, 4 << 20, 2.0) == (
        "Downloading 1.0 MiB / 4.0 MiB (25%), 512.0 KiB/s, ETA 6s"
    )
    assert TransferProgress.describe(0, 4 << 20, 0.0) == "Downloading 0 B / 4.0 MiB (0%), ETA --"
    assert TransferProgress.describe(4 << 20, 4 << 20, 4.0) == (
        "Downloading 4.0 MiB / 4.0 MiB (100%), 1.0 MiB/s"
    )
    assert TransferProgress.describe(3 << 20, None, 3.0) == "Downloading 3.0 MiB, 1.0 MiB/s"


def test_transfer_progress_throttles_redraws_on_a_terminal() -> None:
    """Chunks arriving within a tenth of a second redraw once; the last chunk always draws."""
    err, clock = io.StringIO(), FakeClock()
    progress = TransferProgress(ProgressLine(err, LIVE), clock)
    for done in range(1, 10):
        clock.now += 0.01
        progress(done, 10)
    clock.now += 0.01
    progress(10, 10)
    draws = [d for d in err.getvalue().split(ERASE_LINE) if d]
    assert len(draws) == 2
    assert "(10%)" in draws[0]
    assert "(100%)" in draws[1]


def test_transfer_progress_prints_quarters_off_a_terminal() -> None:
    """A piped download prints at 0%, each quarter crossed, and 100%: at most five lines."""
    err, clock = io.StringIO(), FakeClock()
    progress = TransferProgress(ProgressLine(err, PLAIN), clock)
    for done in range(0, 101, 5):
        clock.now += 1
        progress(done, 100)
    percents = [line.split("(")[1].split(")")[0] for line in err.getvalue().splitlines()]
    assert percents == ["0%", "25%", "50%", "75%", "100%"]


def test_durations_read_naturally() -> None:
    """Seconds, then minutes and seconds, then hours and minutes."""
    assert [format_duration(s) for s in (0.2, 59, 61, 3599, 7260)] == [
        "1s",
        "59s",
        "1m01s",
        "59m59s",
        "2h01m",
    ]
