"""The CI-sized soak: real server and client processes on 127.0.0.1, the issue's fault mix.

Both tests run `run_soak`, the code behind ``python -m benchmarks.soak``, at a small size: a
fault-free reference run, then the same seeded run through the server's fault plan and the
fault proxy. They fail when a step is lost, duplicated or reordered (the server's journal),
when a sample is missing or ran twice, or when anything differs bit for bit from the reference.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from benchmarks.soak import report
from benchmarks.soak.runner import BURSTS_ONLY, CI_MIX, FaultMix, SoakOutcome, run_soak
from benchmarks.soak.scenario import SoakSize

if TYPE_CHECKING:
    from pathlib import Path

CI_SIZE = SoakSize(steps=10, depth=2, sample_rounds=2, samples_per_round=25)
# Each client run is bounded; a run that hangs fails the test instead of the suite's timeout.
CLIENT_TIMEOUT_S = 100.0


def _assert_held(outcome: SoakOutcome) -> None:
    assert outcome.order_problems == []
    assert outcome.equality_problems == []
    log = outcome.faulted.record.started[outcome.faulted.result.model_id]
    assert len(log) == 2 * outcome.size.steps + 2  # creation, every step, the save


@pytest.mark.slow
@pytest.mark.timeout(170)
async def test_the_fault_mix_applies_every_step_once_in_order_and_changes_nothing(
    tmp_path: Path,
) -> None:
    outcome = await run_soak(CI_SIZE, CI_MIX, timeout_s=CLIENT_TIMEOUT_S, scratch=tmp_path)
    _assert_held(outcome)
    # Every kind of fault happened, or the soak proved nothing.
    server_faults = outcome.faulted.record.faults
    assert {"5xx", "drop", "408"} <= {kind for kind, n in server_faults.items() if n > 0}
    proxy = outcome.proxy_counts
    assert proxy["429"] > 0
    assert proxy["reset_before"] > 0
    assert proxy["reset_after"] > 0
    # Resets after the server answered hit submissions too: applied work the client never
    # saw answered, which must not be applied again.
    submitted = {"forward_backward", "optim_step", "asample"}
    assert any(
        kind == "reset_after" and endpoint in submitted
        for kind, endpoint in (key.split("/", 1) for key in outcome.proxy_faults_by_endpoint)
    )
    assert not outcome.reference.record.faults
    # The figures render, and say the soak held.
    section = report.render(report.summarize(outcome, {"nproc": 2}))
    assert "Verdict: **held**" in section
    assert f"{CI_SIZE.steps} of {CI_SIZE.steps}, each once and in order" in section


def _bounded(outcome: SoakOutcome) -> tuple[float, float]:
    bound = 5 * outcome.retry_after_total_s + outcome.reference.result.duration_s
    return outcome.faulted.result.duration_s, bound


def _bursts(
    name: str, seed: int, chance: float, paths: tuple[str, ...], *, length: int = 12, ms: int = 500
) -> FaultMix:
    # 24 refusals in all, in bursts longer than the HTTP layer's 10 retries.
    plan = dataclasses.replace(
        BURSTS_ONLY.proxy,
        seed=seed,
        burst_chance=chance,
        burst_length=length,
        retry_after_ms=ms,
        paths=paths,
        max_faults=24,
    )
    return FaultMix(name=name, server={}, proxy=plan)


TRAINING = SoakSize(steps=10, sample_rounds=0, samples_per_round=1)
SAMPLING = SoakSize(steps=1, sample_rounds=4, samples_per_round=5)
BURST_PHASES = (
    # One burst of 24 polls: at most 4 futures are polled at once (2 steps in flight), so
    # one of them is refused at least 6 times in a row, each time asking 0.2 s.
    (
        TRAINING,
        _bursts("429 bursts on training polls", 4, 0.1, ("retrieve_future",), length=24, ms=200),
        {"retrieve_future"},
    ),
    (
        TRAINING,
        _bursts("429 bursts on training submissions", 4, 0.05, ("forward_backward", "optim_step")),
        {"forward_backward", "optim_step"},
    ),
    (SAMPLING, _bursts("429 bursts on sampling", 2, 0.04, ()), {"asample"}),
)


@pytest.mark.slow
@pytest.mark.timeout(330)
async def test_429_bursts_finish_in_bounded_time(tmp_path: Path) -> None:
    """Bursts longer than the HTTP layer's retries cost a small multiple of what they ask.

    The bound is generous: five times the Retry-After the 429s asked for in all, plus the
    fault-free run's time. A backoff that ignores Retry-After and keeps growing while the
    server refuses (the "429 collapse" of issue 15) blows through it.
    """
    too_slow = []
    for index, (size, mix, endpoints) in enumerate(BURST_PHASES):
        # At most max_faults 429s are asked for, so no run within the bound takes longer.
        plan = mix.proxy
        asked_at_most = (plan.max_faults or 0) * plan.retry_after_ms / 1000
        limit = 5 * asked_at_most + 30
        try:
            outcome = await run_soak(size, mix, timeout_s=limit, scratch=tmp_path / str(index))
        except TimeoutError:
            too_slow.append(f"{mix.name}: not done after {limit:.0f}s ({asked_at_most:.0f}s asked)")
            continue
        _assert_held(outcome)
        hit = {key.split("/", 1)[1] for key in outcome.proxy_faults_by_endpoint}
        assert endpoints & hit, f"{mix.name}: no 429 hit {endpoints}: {hit}"
        took, bound = _bounded(outcome)
        if took > bound:
            too_slow.append(
                f"{mix.name}: {took:.1f}s, more than 5 x {outcome.retry_after_total_s:.1f}s of "
                f"Retry-After + {outcome.reference.result.duration_s:.1f}s fault-free"
            )
    assert too_slow == []
