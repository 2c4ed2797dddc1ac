"""`benchmarks.instructions`: callgrind's count read, the per-sample difference, its line."""

from __future__ import annotations

import pytest
from fake_runs import smoke_run

from benchmarks import instructions, markdown, report

CALLGRIND_TAIL = """==123== Events    : Ir
==123== Collected : 2620045904
==123==
==123== I   refs:      2,620,045,904
"""


def test_the_total_is_read_from_callgrinds_exit_report() -> None:
    assert instructions.collected(CALLGRIND_TAIL) == 2_620_045_904


def test_a_run_without_a_count_is_an_error_naming_the_output() -> None:
    with pytest.raises(ValueError, match=r"no instruction count:\n.*Traceback"):
        instructions.collected("Traceback (most recent call last):\nboom\n")


def test_one_more_sample_costs_the_difference_over_the_extra_samples() -> None:
    extra = instructions.LARGE - instructions.SMALL
    small = 2_000_000_000
    assert instructions.per_sample(small, small + extra * 1_500_000) == 1500.0


def test_the_line_under_p1_gives_both_counts_and_the_ratio() -> None:
    line = instructions.render({"tinkex": 1690.4, "raw": 1152.0, "ratio": 1.47})[0]
    assert "tinkex 1,690 k, raw aiohttp 1,152 k = **1.47\u00d7**" in line
    assert instructions.render(None) == []
    assert instructions.render({"tinkex": {"error": "x"}, "raw": 1152.0}) == []


def test_without_valgrind_the_command_measures_nothing_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert not instructions.available()
    assert instructions.main() == 2
    assert "valgrind is not installed" in capsys.readouterr().err


def test_the_p1_section_carries_the_line_only_when_measured() -> None:
    run = {**smoke_run(0.3), "mode": "full"}
    counted = {"small": 400, "large": 1200, "tinkex": 1690.4, "raw": 1152.0, "ratio": 1.47}
    text = markdown.render({**run, "instructions": counted}, report.summarize(run))
    p1, rest = text.split("### P1 ", 1)[1].split("### ", 1)
    assert "= **1.47\u00d7**" in p1
    assert "Instructions per sample" not in rest
    assert "Instructions per sample" not in markdown.render(run, report.summarize(run))
