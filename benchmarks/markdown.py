"""Render a summarized run as markdown (the generated part of RESULTS.md)."""

from __future__ import annotations

from typing import Any

from benchmarks import instructions
from benchmarks.sizes import MIN_REPS, TITLES
from benchmarks.tables import RENDER, fmt, table
from benchmarks.targets import MET, MISSED, NOT_MEASURED

# What a scenario's table does not say by itself.
NOTES = {
    "P1b": (
        "The server gives every sample a model time (`--sample-time`, the same for all three "
        "clients): a sample finishes that long after it was accepted, all samples side by "
        "side, as on a real sampler, and a `retrieve_future` long poll holds its connection "
        "until then. The raw row is the P1 loop, one `retrieve_future` long poll per pending "
        "sample over its 100 connections, so it resolves at most about 100 samples per model "
        "time. The server also sets `sample_use_retrieve_futures`: tinkex and the official SDK "
        "learn of completions through one `retrieve_futures` long poll per sampling session "
        "and fetch each result (one `retrieve_future`) once it is done, so no connection "
        "waits on the model."
    ),
    "P8": (
        "Each process unpickles the same `SamplingClient` (its own client stack, joining the "
        "parent's session) and fans out n samples; all start together. The benchmark server "
        "is one asyncio process (at most one core): once it is busy ≥ 90 % of a core, or the "
        "machine's cores are, more processes cannot add throughput."
    ),
    "P9": (
        "RSS after a full collection, after each wave; the baseline is the RSS after the "
        'warm-up waves. "Tasks added": asyncio tasks alive at the end beyond those alive '
        'after the warm-up; "tasks after close": tasks left once the ServiceClient closed.'
    ),
    "P10": (
        "The same `sample` calls through `tinkex.sync` (blocking, on its loop thread) and the "
        'async API; CPU of the whole process (both threads). "sequential": one call at a '
        'time; "fanout": n calls started, then their results collected.'
    ),
}


def _verdict(target: dict[str, Any]) -> str:
    status = target.get("status") or {True: MET, False: MISSED, None: NOT_MEASURED}[target["met"]]
    text = f"**{status}**" if status == MISSED else status
    return f"{text} ({target['note']})" if target.get("note") else text


def _more_reps(run: dict[str, Any]) -> str:
    """`` (P1, P10: 5)`` when a full run repeated some scenarios more often (`MIN_REPS`)."""
    if run.get("mode") != "full":
        return ""
    more = {s: n for s, n in MIN_REPS.items() if n > run["reps"] and s in run.get("scenarios", ())}
    by_count: dict[int, list[str]] = {}
    for scenario, count in more.items():
        by_count.setdefault(count, []).append(scenario)
    return "".join(f" ({', '.join(names)}: {count})" for count, names in by_count.items())


def render(run: dict[str, Any], summary: dict[str, Any], plot: str | None = None) -> str:
    """The markdown: machine, targets, the plot (a link), one table per scenario, failures."""
    m = run["machine"]
    lines = [
        f"Run: {run['started_utc']}, mode **{run['mode']}**, {run['reps']} repetition(s)"
        f"{_more_reps(run)}, "
        f"{run['duration_s']} s; checkout `{m['git_commit']}`"
        f"{' (uncommitted changes)' if m['git_dirty'] else ''}.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_gib']} GiB, {m['os']}, "
        f"Python {m['python']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['loadavg_start'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in m.get('loadavg_end', ()))}.",
        "",
        f"Official SDK: {run['official_sdk']}.",
        "",
        *(
            ["Smoke sizes: the verdicts below mean nothing (CI checks only that it runs).", ""]
            if run["mode"] == "smoke"
            else []
        ),
        "### Targets",
        "",
    ]
    rows = [
        [t["target"], t["goal"], t.get("shown") or fmt(t["value"], 2), _verdict(t)]
        for t in summary["targets"]
    ]
    lines += table(["target", "goal", "measured", "verdict"], rows)
    if plot is not None:
        lines += [f"![Throughput and client CPU per operation, by client]({plot})", ""]
    for scenario, data in summary["scenarios"].items():
        lines += [f"### {scenario} {run_title(scenario)} ({_sizes(run['sizes'][scenario])})", ""]
        flags = run.get("server_flags", {}).get(scenario)
        if flags:
            lines += [f"Server: `python -m tinkex.local serve --null-model {' '.join(flags)}`.", ""]
        if scenario in NOTES:
            lines += [NOTES[scenario], ""]
        lines += RENDER[scenario](data)
        if scenario == "P1":
            lines += instructions.render(run.get("instructions"))
    failures = [
        f"- `{key}` rep {i + 1}: {r['error']}"
        for key, reps in run["records"].items()
        for i, r in enumerate(reps)
        if "error" in r
    ]
    if failures:
        lines += ["### Failures", "", *failures, ""]
    return "\n".join(lines)


def run_title(scenario: str) -> str:
    """A scenario's short title."""
    return TITLES[scenario]


def _sizes(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())
