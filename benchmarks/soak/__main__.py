"""Command line: ``python -m benchmarks.soak [--steps N] [--samples-per-round N] ...``.

Without size options it runs the full size (200 pipelined steps, 5 rounds of 2,000 samples) through
the issue's fault mix, prints the figures, writes ``benchmarks/results/soak.json`` and
regenerates README.md's "Reliability" section. It exits 1 (and leaves the README alone) when
a check fails: a step lost, duplicated or reordered, a sample missing, or any value differing
from the fault-free run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from benchmarks import machine
from benchmarks.soak import report
from benchmarks.soak.runner import BURSTS_ONLY, CI_MIX, ISSUE_MIX, run_soak
from benchmarks.soak.scenario import SoakSize
from benchmarks.soak.server import REPO_ROOT

MIXES = {"issue": ISSUE_MIX, "ci": CI_MIX, "bursts": BURSTS_ONLY}


def _parser() -> argparse.ArgumentParser:
    full = SoakSize()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Train and sample through injected faults; check exactly-once and equality.",
    )
    parser.add_argument("--steps", type=int, default=full.steps, help="training steps")
    parser.add_argument("--depth", type=int, default=full.depth, help="steps in flight")
    parser.add_argument("--sample-rounds", type=int, default=full.sample_rounds)
    parser.add_argument("--samples-per-round", type=int, default=full.samples_per_round)
    parser.add_argument("--mix", choices=sorted(MIXES), default="issue", help="fault mix")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="longest one client run may take (s)"
    )
    parser.add_argument("--no-readme", action="store_true", help="do not touch README.md")
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "soak.json"
    )
    parser.add_argument("--scratch", type=Path, default=None, help="keep server data/logs here")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    size = SoakSize(
        steps=args.steps,
        depth=args.depth,
        sample_rounds=args.sample_rounds,
        samples_per_round=args.samples_per_round,
    )
    if min(size.steps, size.depth, size.sample_rounds, size.samples_per_round) < 1:
        print("sizes must be at least 1", file=sys.stderr)
        return 2
    mix = MIXES[args.mix]
    print(f"[soak] {size} through {mix.name!r}", file=sys.stderr)
    outcome = asyncio.run(
        run_soak(size, mix, seed=args.seed, timeout_s=args.timeout, scratch=args.scratch)
    )
    summary = report.summarize(outcome, machine.describe(REPO_ROOT))
    section = report.render(summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(section)
    if outcome.problems:
        print(f"[soak] {len(outcome.problems)} checks failed", file=sys.stderr)
        return 1
    if not args.no_readme:
        report.update_readme(REPO_ROOT / "README.md", section)
        print("[soak] README.md's Reliability section regenerated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
