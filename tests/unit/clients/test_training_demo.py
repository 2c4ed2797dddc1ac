"""The offline demo trains: its loss falls by at least half within 30 steps, and it says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.demo import main

if TYPE_CHECKING:
    import pytest


def test_demo_loss_falls_by_half_and_samples_follow_the_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`python -m tinkex.demo` exits 0, reports the drop, and samples the training text."""
    assert main([]) == 0
    out = capsys.readouterr().out
    steps = [line for line in out.splitlines() if line.startswith("step ")]
    assert len(steps) == 30
    first = float(steps[0].split()[-1])
    last = float(steps[-1].split()[-1])
    assert last <= 0.5 * first
    assert "loss fell by" in out
    # The built-in text's sentences come back from the sampler after training.
    assert "watches the sky" in out or "warm soil" in out
