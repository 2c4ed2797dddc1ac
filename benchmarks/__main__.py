"""Command line: ``python -m benchmarks run [--smoke] [--reps N] [--scenarios P1,P3] ...``.

The full run writes ``benchmarks/results/latest.json``, ``latest.md`` and ``plot.svg`` there,
and the generated part of ``benchmarks/RESULTS.md``. ``--smoke`` (CI) uses small sizes, skips
the official SDK and writes nothing into the tree unless ``--out`` says where.
``python -m benchmarks instructions`` counts P1's instructions per sample under callgrind
(`benchmarks.instructions`; the full run does too when valgrind is installed).
``python -m benchmarks render`` redraws the markdown and the plot from a ``latest.json``
without measuring anything. Missed targets never fail a run; a tinkex or raw-aiohttp worker
that crashes does (the benchmark has rotted), and so does the guard (`benchmarks.guard`:
tinkex's client CPU per P1 sample over 2x the raw loop's in the same run).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import guard, instructions, markdown, plot, report, runner
from benchmarks.sizes import SCENARIOS, canonical

HERE = Path(__file__).absolute().parent
START, END = "<!-- results:start -->", "<!-- results:end -->"
PLOT = "plot.svg"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the benchmarks")
    run.add_argument("--smoke", action="store_true", help="small sizes, seconds (CI)")
    run.add_argument("--reps", type=int, default=None, help="repetitions (default 3; smoke 1)")
    run.add_argument("--scenarios", default=",".join(SCENARIOS), help="e.g. P1,P1b,P3")
    run.add_argument("--tinker-python", default=None, help="python of a venv with tinker")
    run.add_argument(
        "--no-create-venv", action="store_true", help="do not build benchmarks/.venv-tinker"
    )
    run.add_argument(
        "--clients", default="tinkex,official,raw,sync", help="a subset, e.g. tinkex,raw"
    )
    run.add_argument("--out", type=Path, default=None, help="where JSON/markdown/plot go")
    run.add_argument(
        "--profile", type=Path, default=None, help="pyinstrument reports of tinkex into DIR"
    )
    sub.add_parser(
        "instructions", help="P1 instructions per sample under callgrind, tinkex and raw"
    )
    render = sub.add_parser("render", help="redraw latest.md and the plot from a latest.json")
    render.add_argument("json", type=Path, nargs="?", default=HERE / "results" / "latest.json")
    render.add_argument("--out", type=Path, default=None, help="default: the JSON's folder")
    return parser


def _update_results_md(table: str) -> None:
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else f"# Benchmark results\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{START}\n{table}\n{END}{tail}")


def _write(run: dict[str, Any], summary: dict[str, Any], out: Path) -> str:
    """latest.json, latest.md and the plot into `out`; returns the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    m = run["machine"]
    caption = (
        f"{run['started_utc']}, {run['mode']} run, {run['reps']} repetition(s), medians; "
        f"checkout {m['git_commit']}, {m['nproc']} CPUs"
    )
    (out / PLOT).write_text(plot.render(summary["scenarios"], caption))
    (out / "latest.json").write_text(json.dumps({**run, "summary": summary}, indent=1) + "\n")
    table = markdown.render(run, summary, plot=PLOT)
    (out / "latest.md").write_text(table + "\n")
    return table


def _render(args: argparse.Namespace) -> int:
    saved = json.loads(args.json.read_text())
    saved.pop("summary", None)
    summary = report.summarize(saved)
    print(_write(saved, summary, args.out or args.json.parent))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "render":
        return _render(args)
    if args.command == "instructions":
        return instructions.main()
    named = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in named if canonical(s) is None]
    if unknown:
        print(f"unknown scenarios: {unknown} (known: {', '.join(SCENARIOS)})", file=sys.stderr)
        return 2
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    scenarios = [s for s in SCENARIOS if s in {canonical(n) for n in named}]
    options = runner.Options(
        smoke=args.smoke,
        reps=args.reps or (1 if args.smoke else 3),
        scenarios=scenarios,
        tinker_python=args.tinker_python,
        create_venv=not args.no_create_venv,
        profile=args.profile,
        clients=tuple(c.strip() for c in args.clients.split(",") if c.strip()),
    )
    run = runner.run(options)
    summary = report.summarize(run)
    out = args.out
    if out is None and args.smoke:
        out = Path(tempfile.mkdtemp(prefix="tinkex-bench-smoke-"))
    elif out is None:
        out = HERE / "results"
    table = _write(run, summary, out)
    if not args.smoke and args.out is None:
        _update_results_md(markdown.render(run, summary, plot=f"results/{PLOT}"))
    print(table)
    print(f"[bench] wrote {out / 'latest.json'}, latest.md and {PLOT}", file=sys.stderr)
    status = 0
    broken = [
        key
        for key, reps in run["records"].items()
        if not key.endswith("/official") and any("error" in r for r in reps)
    ]
    if broken:
        print(f"[bench] broken workers: {broken}", file=sys.stderr)
        status = 1
    passed, line = guard.check(summary)
    print(f"[bench] {line}", file=sys.stderr)
    return status if passed else 1


if __name__ == "__main__":
    sys.exit(main())
