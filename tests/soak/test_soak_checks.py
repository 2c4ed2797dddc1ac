"""The soak's verdicts catch every way a step can go wrong, and README regeneration is safe."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from benchmarks.soak import checks, report
from benchmarks.soak.__main__ import main as soak_main
from benchmarks.soak.runner import CI_MIX, run_soak
from benchmarks.soak.scenario import ScenarioResult, SoakSize
from benchmarks.soak.server import ServerRecord

if TYPE_CHECKING:
    from pathlib import Path

SIZE = SoakSize(steps=3, sample_rounds=1, samples_per_round=2)
MODEL = "sess-1:train:0"


def _result() -> ScenarioResult:
    return ScenarioResult(
        model_id=MODEL,
        losses=[3.0, 2.5, 2.0],
        grad_norms=[1.0, 0.9, 0.8],
        sampled=[(1, 2), (3, 4)],
    )


def _record(log: list[tuple[str, int | None]], samples: int = 2) -> ServerRecord:
    return ServerRecord(started={MODEL: log}, started_by_type=Counter({"Sample": samples}))


def test_the_expected_log_is_creation_then_each_step_then_the_save() -> None:
    assert checks.expected_training_log(SIZE) == [
        ("CreateModel", 0),
        ("ForwardBackward", 1),
        ("OptimStep", 2),
        ("ForwardBackward", 3),
        ("OptimStep", 4),
        ("ForwardBackward", 5),
        ("OptimStep", 6),
        ("SaveWeights", 7),
    ]


def test_a_clean_journal_has_no_problems() -> None:
    log = checks.expected_training_log(SIZE)
    assert checks.exactly_once_problems(_record(log), _result(), SIZE) == []


def test_a_lost_step_is_reported() -> None:
    log = checks.expected_training_log(SIZE)
    del log[3]  # ForwardBackward 3 never applied
    (problem,) = checks.exactly_once_problems(_record(log), _result(), SIZE)
    assert "missing [3]" in problem


def test_a_duplicated_step_is_reported() -> None:
    log = checks.expected_training_log(SIZE)
    log.insert(4, ("ForwardBackward", 3))
    (problem,) = checks.exactly_once_problems(_record(log), _result(), SIZE)
    assert "duplicated seq_ids [3]" in problem


def test_a_reordered_step_is_reported() -> None:
    log = checks.expected_training_log(SIZE)
    log[3], log[4] = log[4], log[3]
    (problem,) = checks.exactly_once_problems(_record(log), _result(), SIZE)
    assert "out of order at [4]" in problem


def test_a_step_applied_under_a_fresh_seq_id_is_reported() -> None:
    # A client that re-sent a step with a new seq_id would apply it twice without duplicates.
    log = checks.expected_training_log(SIZE)
    log.insert(-1, ("ForwardBackward", 7))
    log[-1] = ("SaveWeights", 8)
    assert checks.exactly_once_problems(_record(log), _result(), SIZE)


def test_samples_run_twice_or_not_returned_are_reported() -> None:
    log = checks.expected_training_log(SIZE)
    problems = checks.exactly_once_problems(_record(log, samples=3), _result(), SIZE)
    assert problems == ["the server ran 3 Sample requests for 2 calls"]
    short = _result()
    short.sampled.pop()
    problems = checks.exactly_once_problems(_record(log), short, SIZE)
    assert problems == ["1 samples came back for 2 calls"]


def test_equality_is_bitwise() -> None:
    mine, reference = _result(), _result()
    assert checks.same_run_problems(mine, reference, b"state", b"state") == []
    mine.losses[1] = 2.5000000000000004  # one ulp away
    mine.grad_norms[0] = 1.0000000000000002
    mine.sampled[1] = (3, 5)
    problems = checks.same_run_problems(mine, reference, b"state", b"other")
    assert any(p.startswith("loss:sum: 1 differ") for p in problems)
    assert any(p.startswith("grad_norm:mean: 1 differ") for p in problems)
    assert any("final saved state differs" in p for p in problems)
    assert any("1 samples differ" in p for p in problems)


def test_negative_zero_is_not_equal_to_zero() -> None:
    mine, reference = _result(), _result()
    mine.losses[0], reference.losses[0] = -0.0, 0.0
    assert checks.same_run_problems(mine, reference, b"", b"")


def test_the_checkpoint_file_must_be_unique(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        checks.checkpoint_file(tmp_path, "soak-final")
    state = tmp_path / "checkpoints" / "run" / "weights" / "soak-final" / "state.bin"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"x")
    assert checks.checkpoint_file(tmp_path, "soak-final") == state


def test_the_readme_section_is_replaced_between_its_markers_only(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# t\n\n## Reliability\n\nintro\n\n{report.START}\nold\n{report.END}\n\nmore\n"
    )
    report.update_readme(readme, "new figures")
    assert readme.read_text() == (
        f"# t\n\n## Reliability\n\nintro\n\n{report.START}\nnew figures\n{report.END}\n\nmore\n"
    )
    readme.write_text("# no markers\n")
    with pytest.raises(ValueError, match="markers"):
        report.update_readme(readme, "x")
    assert readme.read_text() == "# no markers\n"


def _summary(order: list[str], equality: list[str]) -> dict[str, object]:
    return {
        "date": "2026-01-01",
        "machine": {"nproc": 2, "cpu_model": "cpu", "git_commit": "abc"},
        "size": {
            "steps": 3,
            "depth": 2,
            "batch": 4,
            "tokens": 16,
            "sample_rounds": 1,
            "samples_per_round": 2,
            "max_tokens": 8,
        },
        "mix": {"name": "test mix"},
        "steps": 3,
        "steps_applied": 3,
        "samples": 2,
        "samples_returned": 2,
        "server_faults": {"5xx": 4, "drop": 2, "408": 1},
        "proxy_faults": {"429": 6, "bursts": 2, "reset_before": 1, "reset_after": 3},
        "retry_after_total_s": 4.5,
        "faulted_s": 9.0,
        "faulted_training_s": 8.0,
        "faulted_sampling_s": 7.0,
        "reference_s": 1.0,
        "client_peak_rss_kib": 51200,
        "server_peak_rss_kib": 71680,
        "client_rss_kib_after_round": [50176],
        "order_problems": order,
        "equality_problems": equality,
    }


def test_the_section_shows_the_figures_and_says_which_size_ran() -> None:
    section = report.render(_summary([], []))
    assert "Verdict: **held**" in section
    assert "3 of 3, each once and in order" in section
    assert "4 answered 503, 2 dropped connections, 1 paused 408 polls" in section
    assert "6 answered 429 in 2 bursts (4 s of Retry-After asked), 1 resets before" in section
    assert "client 50 MiB, server 70 MiB" in section
    assert (
        "the full size, `python -m benchmarks.soak` without size options, is 200 steps" in section
    )


def test_a_failed_soak_says_so_in_every_row_it_touches() -> None:
    section = report.render(_summary(["model m: missing [3]"], ["loss:sum: 1 differ"]))
    assert "Verdict: **FAILED: model m: missing [3]; loss:sum: 1 differ**" in section
    assert "each once and in order" not in section
    assert "bit for bit equal" not in section
    assert "token for token" not in section


async def test_a_used_scratch_directory_is_refused_before_anything_starts(tmp_path: Path) -> None:
    (tmp_path / "old-run").mkdir()
    with pytest.raises(ValueError, match="not empty"):
        await run_soak(SIZE, CI_MIX, scratch=tmp_path)


def test_the_command_refuses_sizes_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert soak_main(["--steps", "0", "--no-readme"]) == 2
    assert "at least 1" in capsys.readouterr().err
