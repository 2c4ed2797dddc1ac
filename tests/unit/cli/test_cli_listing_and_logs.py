"""Paged listings report pages on stderr; library log events stay hidden unless ``-v``."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from cli_fixtures import Terminal, run_cli, seed_runs

from tinkex.cli import checkpoints, runs
from tinkex.cli.logs import library_logging
from tinkex.cli.terminal import ERASE_LINE

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

MISSING = "tinker://nope:train:0/weights/x"


def test_run_list_all_reports_each_page_and_returns_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run list --limit 0`` over three pages of one: every run, one progress line per page."""
    monkeypatch.setattr(runs, "PAGE_SIZE", 1)
    ids = seed_runs(tmp_path, 3)
    result = run_cli(tmp_path, "-f", "json", "run", "list", "--limit", "0")
    assert result.code == 0, result.err
    assert sorted(r["training_run_id"] for r in result.json()["runs"]) == sorted(ids)
    assert result.json()["total"] == 3
    assert result.err.splitlines() == [
        f"Fetching training runs: page {n} of 3 ({n} of 3)" for n in (1, 2, 3)
    ]


def test_checkpoint_list_all_redraws_pages_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the page line is redrawn in place and erased before the table prints."""
    monkeypatch.setattr(checkpoints, "PAGE_SIZE", 2)
    seed_runs(tmp_path, 3)
    err = Terminal()
    result = run_cli(tmp_path, "checkpoint", "list", "--limit", "0", stderr=err)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "3 checkpoints"
    draws = [d for d in result.err.split(ERASE_LINE) if d]
    assert [d.removeprefix("\x1b[2m").removesuffix("\x1b[0m") for d in draws] == [
        "Fetching checkpoints: page 1 of 2 (2 of 3)",
        "Fetching checkpoints: page 2 of 2 (3 of 3)",
    ]
    assert result.err.endswith(ERASE_LINE)


def test_tables_are_styled_on_a_terminal_and_plain_in_a_pipe(tmp_path: Path) -> None:
    """stdout on a terminal gets a bold header; NO_COLOR and pipes get plain text."""
    seed_runs(tmp_path, 1)
    styled = run_cli(tmp_path, "run", "list", stdout=Terminal())
    assert styled.out.startswith("\x1b[1m1 training runs\x1b[0m\n")
    no_color = run_cli(tmp_path, "run", "list", stdout=Terminal(), env={"NO_COLOR": "1"})
    piped = run_cli(tmp_path, "run", "list")
    assert no_color.out == piped.out
    assert "\x1b" not in piped.out


def test_library_warnings_are_hidden_without_verbose(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A 404 prints only the CLI's own lines: no ``http.error`` event on any stream."""
    result = run_cli(tmp_path, "checkpoint", "publish", MISSING)
    captured = capfd.readouterr()
    assert result.code == 1
    assert result.err.splitlines() == [
        "Error: Resource not found",
        "  training run nope:train:0 not found",
    ]
    assert "http.error" not in captured.err + captured.out


def test_verbose_shows_library_events_on_the_cli_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """``-v`` puts the library's warning before the CLI's error, on the CLI's stderr."""
    result = run_cli(tmp_path, "-v", "checkpoint", "publish", MISSING)
    assert result.code == 1
    lines = result.err.splitlines()
    assert "http.error" in lines[0]
    assert "status=404" in lines[0]
    assert lines[-2:] == ["Error: Resource not found", "  training run nope:train:0 not found"]
    assert "http.error" not in capfd.readouterr().err


def test_stdlib_tinkex_logger_follows_verbosity_and_is_restored(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Records on the ``tinkex`` logger reach the CLI's stderr with -v, nowhere without it."""
    logger = logging.getLogger("tinkex")
    before = (logger.level, logger.propagate, list(logger.handlers))
    quiet, verbose, very = io.StringIO(), io.StringIO(), io.StringIO()
    with library_logging(0, quiet):
        logging.getLogger("tinkex.http").warning("hidden")
    with library_logging(1, verbose):
        logging.getLogger("tinkex.http").info("shown")
        logging.getLogger("tinkex.http").debug("too detailed")
    with library_logging(2, very):
        logging.getLogger("tinkex.http").debug("detailed")
    assert quiet.getvalue() == ""
    assert "hidden" not in capfd.readouterr().err
    assert verbose.getvalue() == "[INFO] tinkex.http: shown\n"
    assert very.getvalue() == "[DEBUG] tinkex.http: detailed\n"
    assert (logger.level, logger.propagate, list(logger.handlers)) == before
