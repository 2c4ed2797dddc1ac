"""The benchmark's outputs and plan: the SVG plot, the markdown, the exit status, the run order."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from fake_runs import fanout as _fanout
from fake_runs import smoke_run as _run

from benchmarks import __main__ as cli
from benchmarks import markdown, plot, report, runner, sizes

if TYPE_CHECKING:
    from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"


def test_plot_draws_a_bar_per_measured_client_and_marks_the_missing_ones() -> None:
    summary = report.summarize(_run(0.3))
    root = ET.fromstring(plot.render(summary["scenarios"], "a caption"))
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    tinkex, official, raw = (colour for _, _, colour in plot.CLIENTS)
    # P1 and P6, throughput and CPU: four bars each for tinkex and raw, none for official
    # (its colour appears once, in the legend); P1b was not run at all.
    assert fills.count(tinkex) == 1 + 4
    assert fills.count(raw) == 1 + 4
    assert fills.count(official) == 1
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert texts.count("not run") == 2 * 2 + 2 * 3  # official in P1 and P6, everyone in P1b
    assert "2,000" in texts  # tinkex: 1,000 samples in 0.5 s
    assert "300" in texts  # tinkex: 0.3 s of CPU over 1,000 samples, in µs
    assert "a caption" in texts


def test_plot_bars_are_scaled_within_their_panel() -> None:
    summary = report.summarize(_run(0.3))
    root = ET.fromstring(plot.render(summary["scenarios"], ""))
    heights = {
        (r.get("fill"), r.findtext(f"{SVG}title")): float(r.get("height", "0"))
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    }
    tinkex, _, raw = (colour for _, _, colour in plot.CLIENTS)
    tinkex_cpu = heights[(tinkex, "tinkex: 300 µs/sample")]
    raw_cpu = heights[(raw, "raw aiohttp: 200 µs/sample")]
    assert tinkex_cpu / raw_cpu == pytest.approx(1.5, rel=0.01)


def test_markdown_links_the_plot_and_explains_each_verdict() -> None:
    run = _run(0.3)
    summary = report.summarize(run)
    text = markdown.render(run, summary, plot="results/plot.svg")
    assert "![Throughput and client CPU per operation, by client](results/plot.svg)" in text
    assert "| P1 client CPU per sample vs raw aiohttp | <= 1.25x | 1.50 | **missed** |" in text
    assert "### P6 50-step train loop (steps=10)" in text
    assert markdown.render(run, summary).count("plot.svg") == 0


@pytest.mark.parametrize(("tinkex_cpu_s", "status"), [(0.3, 0), (0.5, 1)])
def test_the_run_fails_when_the_guard_ratio_is_over_twice_the_raw_loops(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    tinkex_cpu_s: float,
    status: int,
) -> None:
    monkeypatch.setattr(runner, "run", lambda options: _run(tinkex_cpu_s))
    assert cli.main(["run", "--smoke", "--scenarios", "P1,P6", "--out", str(tmp_path)]) == status
    err = capsys.readouterr().err
    assert ("guard FAILED" in err) is bool(status)
    assert (tmp_path / "plot.svg").read_text().startswith("<svg")
    assert "](plot.svg)" in (tmp_path / "latest.md").read_text()
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["summary"]["scenarios"]["P1"]["tinkex"]["client_cpu_us_per_sample"] == (
        pytest.approx(tinkex_cpu_s * 1000)
    )


def test_render_redraws_markdown_and_plot_from_a_saved_run(tmp_path: Path) -> None:
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps({**_run(0.3), "summary": {"stale": True}}))
    out = tmp_path / "out"
    assert cli.main(["render", str(saved), "--out", str(out)]) == 0
    assert "P1 client CPU per sample vs raw aiohttp" in (out / "latest.md").read_text()
    assert "stale" not in (out / "latest.json").read_text()
    assert (out / "plot.svg").exists()


def test_unknown_scenarios_are_refused_and_names_are_case_insensitive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert sizes.canonical("p1b") == "P1b"
    assert sizes.canonical(" P10 ") == "P10"
    assert sizes.canonical("P7") is None
    assert cli.main(["run", "--smoke", "--scenarios", "P1,P7"]) == 2
    assert "unknown scenarios: ['P7']" in capsys.readouterr().err


def _options(smoke: bool, scenarios: list[str], reps: int = 1) -> runner.Options:
    return runner.Options(
        smoke=smoke, reps=reps, scenarios=scenarios, clients=("tinkex", "raw", "sync")
    )


def test_smoke_plans_the_guarded_p1_several_times_alternating_clients() -> None:
    steps = runner.plan(_options(True, ["P1", "P3"]), official=False)
    p1 = [s.client for s in steps if s.scenario == "P1"]
    assert p1 == ["tinkex", "raw", "raw", "tinkex", "tinkex", "raw"][: 2 * sizes.GUARD_REPS]
    assert [s.client for s in steps if s.scenario == "P3"] == ["tinkex", "raw"]


def test_full_plan_runs_p9_once_and_each_p8_process_count_every_repetition() -> None:
    steps = runner.plan(_options(False, ["P8", "P9", "P1b", "P10"], reps=3), official=False)
    assert [s.rep for s in steps if s.scenario == "P9"] == [0]
    p8 = [(s.rep, s.params["processes"]) for s in steps if s.scenario == "P8"]
    assert sorted(p8) == [(r, p) for r in range(3) for p in (1, 2, 4)]
    assert [p for r, p in p8 if r == 1] == [2, 4, 1]  # the order rotates per repetition
    assert {s.client for s in steps if s.scenario == "P1b"} == {"tinkex", "raw"}
    p10 = {(s.variant, s.client) for s in steps if s.scenario == "P10"}
    assert p10 == {(v, c) for v in ("sequential", "fanout") for c in ("tinkex", "sync")}
    assert sizes.SERVER_FLAGS["P1b"] == ("--batch-futures", "--sample-time", "0.1")


def test_full_plan_repeats_the_cpu_ratio_scenarios_at_least_min_reps_times() -> None:
    steps = runner.plan(_options(False, ["P1", "P3", "P10"], reps=3), official=False)
    reps = {name: {s.rep for s in steps if s.scenario == name} for name in ("P1", "P3", "P10")}
    assert reps == {"P1": set(range(5)), "P3": set(range(3)), "P10": set(range(5))}
    assert sizes.MIN_REPS == {"P1": 5, "P2": 5, "P10": 5}
    more = runner.plan(_options(False, ["P1"], reps=7), official=False)
    assert {s.rep for s in more} == set(range(7))  # a minimum, not a cap
    smoke = runner.plan(_options(True, ["P10"]), official=False)
    assert {s.rep for s in smoke} == {0}  # the smoke run stays seconds long


def test_p1b_server_takes_a_real_samplers_model_time_for_every_client() -> None:
    """P1b's server has a plausible model time (tens to hundreds of ms), per scenario not client."""
    assert 0.01 <= sizes.P1B_SAMPLE_TIME_S <= 1.0
    flags = sizes.SERVER_FLAGS["P1b"]
    assert float(flags[flags.index("--sample-time") + 1]) == sizes.P1B_SAMPLE_TIME_S
    assert set(sizes.CLIENTS["P1b"]) == {"tinkex", "official", "raw"}
    assert "P1" not in sizes.SERVER_FLAGS  # P1 stays the null-model server: model time 0


def test_markdown_shows_the_server_flags_a_scenario_ran_with() -> None:
    run = {
        **_run(0.3),
        "sizes": {"P1": {"n": 1000}, "P1b": {"n": 20}, "P6": {"steps": 10}},
        "server_flags": {"P1b": ["--batch-futures", "--sample-time", "0.1"]},
    }
    run["records"] = {**run["records"], "P1b//tinkex": _fanout(0.2, 0.01)}
    text = markdown.render(run, report.summarize(run))
    head = "### P1b sampling fan-out with model time per sample, server offers batch polling"
    flags = "Server: `python -m tinkex.local serve --null-model --batch-futures --sample-time 0.1`."
    assert text.index(head) < text.index(flags) < text.index("so no connection waits")
    assert text.count("Server: `") == 1  # P1 and P6: the plain null-model server, not shown
    older = {k: v for k, v in run.items() if k != "server_flags"}  # runs saved before the field
    assert "Server: `" not in markdown.render(older, report.summarize(older))


def test_the_run_line_names_the_scenarios_repeated_more_often() -> None:
    from benchmarks.markdown import _more_reps

    full = {"mode": "full", "reps": 3, "scenarios": ["P1", "P3", "P10"]}
    assert _more_reps(full) == " (P1, P10: 5)"  # P2 was not run
    assert _more_reps({**full, "reps": 5}) == ""
    assert _more_reps({**full, "scenarios": ["P3"]}) == ""
    assert _more_reps({**full, "mode": "smoke"}) == ""
