"""Run every scenario for every client, interleaved, with a fresh server per measurement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import imports, instructions, machine, official_env
from benchmarks.server import Server
from benchmarks.sizes import (
    CLIENTS,
    FULL,
    GUARD_REPS,
    GUARDED,
    MIN_REPS,
    ONCE,
    SERVER_FLAGS,
    SMOKE,
    variants,
)
from benchmarks.workers.common import API_KEY, RESULT_PREFIX

REPO_ROOT = Path(__file__).absolute().parent.parent
WORKERS = {
    "tinkex": "benchmarks.workers.tinkex_worker",
    "raw": "benchmarks.workers.raw_worker",
    "official": "benchmarks.workers.official_worker",
    "sync": "benchmarks.workers.sync_worker",
}


@dataclass
class Options:
    """What to run.

    Attributes:
        smoke: Small sizes, one repetition (the guarded P1: `GUARD_REPS`), no official SDK
            unless given (CI).
        reps: Repetitions of every measurement (interleaved across clients).
        scenarios: The scenarios to run (P1..P10).
        tinker_python: The official SDK's python (else found or created).
        create_venv: Build ``benchmarks/.venv-tinker`` when the official SDK is missing.
        profile: Run tinkex workers under pyinstrument, writing reports to this directory.
        clients: The clients to measure.
    """

    smoke: bool
    reps: int
    scenarios: list[str]
    tinker_python: str | None = None
    create_venv: bool = True
    profile: Path | None = None
    clients: tuple[str, ...] = ("tinkex", "official", "raw", "sync")


def _worker(
    client: str, python: str, jobs: list[dict[str, Any]], timeout_s: float
) -> list[dict[str, Any]]:
    env = dict(os.environ)
    env.update(
        {
            "TINKER_API_KEY": API_KEY,
            "TINKER_BASE_URL": jobs[0]["base_url"],
            "TINKER_TELEMETRY": "0",
        }
    )
    if client == "official":
        env.pop("PYTHONPATH", None)  # the official venv must not see this venv's packages
    command = [python, "-m", WORKERS[client], json.dumps(jobs)]
    try:
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [{"error": f"timed out after {timeout_s:.0f}s"}] * len(jobs)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            results: list[dict[str, Any]] = json.loads(line[len(RESULT_PREFIX) :])
            return results
    tail = "\n".join(done.stderr.strip().splitlines()[-12:])
    return [{"error": f"exit {done.returncode}: {tail}"}] * len(jobs)


@dataclass
class Step:
    """One measurement: a scenario (and input variant) for one client, in one repetition."""

    rep: int
    scenario: str
    variant: str
    client: str
    params: dict[str, Any]

    @property
    def key(self) -> str:
        """Where its result is recorded."""
        return f"{self.scenario}/{self.variant}/{self.client}"


def _params(sizes: dict[str, dict[str, Any]], scenario: str, variant: str) -> dict[str, Any]:
    params = dict(sizes[scenario], kind=variant or "numpy")
    if scenario == "P8":
        params["processes"] = int(variant)
    return params


def _reps(options: Options, scenario: str) -> int:
    if scenario in ONCE:
        return 1
    if options.smoke and scenario == GUARDED:
        return max(options.reps, GUARD_REPS)
    if not options.smoke:
        return max(options.reps, MIN_REPS.get(scenario, 0))
    return options.reps


def plan(options: Options, official: bool) -> list[Step]:
    """Every measurement in run order: repetitions outermost, clients and variants rotated."""
    sizes = SMOKE if options.smoke else FULL
    steps = []
    for rep in range(max(_reps(options, s) for s in options.scenarios)):
        for scenario in options.scenarios:
            if scenario == "P5" or rep >= _reps(options, scenario):
                continue
            clients = [
                c
                for c in CLIENTS[scenario]
                if c in options.clients and (c != "official" or official)
            ]
            if not clients:
                continue
            shift = rep % len(clients)
            clients = clients[shift:] + clients[:shift]
            kinds = variants(scenario, sizes)
            kinds = kinds[rep % len(kinds) :] + kinds[: rep % len(kinds)]
            for variant in kinds:
                params = _params(sizes, scenario, variant)
                steps += [Step(rep, scenario, variant, c, params) for c in clients]
    return steps


def _job(step: Step, server: Server, profile: Path | None) -> dict[str, Any]:
    job: dict[str, Any] = {
        "scenario": step.scenario,
        "base_url": server.url,
        "server_pid": server.pid,
        "params": step.params,
    }
    if profile is not None and step.client == "tinkex":
        job["profile"] = str(profile / f"{step.scenario}-{step.variant or 'x'}-{step.rep}.txt")
    return job


def _execute(
    options: Options, steps: list[Step], pythons: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    records: dict[str, list[dict[str, Any]]] = {}
    if options.smoke:
        # Seconds matter more than isolation: one server per kind, one process per client,
        # except the guard's P1 runs, one process each, alternating clients (its ratio is
        # then the median of runs made close together in time).
        for flags in dict.fromkeys(SERVER_FLAGS.get(s.scenario, ()) for s in steps):
            served = [s for s in steps if SERVER_FLAGS.get(s.scenario, ()) == flags]
            with Server(sys.executable, REPO_ROOT, flags=flags) as server:
                rest = [s for s in served if s.scenario != GUARDED]
                batches = [[s] for s in served if s.scenario == GUARDED] + [
                    [s for s in rest if s.client == client]
                    for client in dict.fromkeys(s.client for s in rest)
                ]
                for batch in batches:
                    client = batch[0].client
                    jobs = [_job(s, server, options.profile) for s in batch]
                    for step, result in zip(
                        batch, _worker(client, pythons[client], jobs, 120.0), strict=False
                    ):
                        records.setdefault(step.key, []).append(result)
        return records
    for step in steps:
        began = time.monotonic()
        # A fresh server per measurement: no state carried over from the previous client.
        flags = SERVER_FLAGS.get(step.scenario, ())
        with Server(sys.executable, REPO_ROOT, flags=flags) as server:
            job = _job(step, server, options.profile)
            result = _worker(step.client, pythons[step.client], [job], 900.0)[0]
        records.setdefault(step.key, []).append(result)
        status = result.get("error", "ok").splitlines()[0][:120]
        took = time.monotonic() - began
        print(f"[bench] rep {step.rep + 1} {step.key}: {status} ({took:.1f}s)", file=sys.stderr)
    return records


def run(options: Options) -> dict[str, Any]:
    """Run the plan; return everything measured (records keyed ``scenario/variant/client``)."""
    started = time.time()
    sizes = SMOKE if options.smoke else FULL
    info = machine.describe(REPO_ROOT)
    if "official" not in options.clients:
        official, note = None, "not requested"
    elif options.smoke and options.tinker_python is None:
        official, note = None, "skipped in smoke mode"
    else:
        official, note = official_env.find_official_python(
            options.tinker_python, create=options.create_venv
        )
    print(f"[bench] official SDK: {note}", file=sys.stderr)
    pythons = {
        "tinkex": sys.executable,
        "raw": sys.executable,
        "sync": sys.executable,
        "official": str(official),
    }
    records = _execute(options, plan(options, official is not None), pythons)
    if "P5" in options.scenarios:
        for rep in range(options.reps):
            measured = imports.measure(
                sys.executable, official, sizes["P5"]["reps"], rotate=rep, warm=not options.smoke
            )
            for key, values in measured.items():
                records.setdefault(f"P5//{key}", []).extend(values)
    counted = None
    if not options.smoke and "P1" in options.scenarios and instructions.available():
        print("[bench] P1 instructions per sample (callgrind) ...", file=sys.stderr)
        counted = instructions.measure(sys.executable, REPO_ROOT)
    info["loadavg_end"] = os.getloadavg()
    return {
        "mode": "smoke" if options.smoke else "full",
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 1),
        "reps": options.reps,
        "scenarios": list(options.scenarios),
        "machine": info,
        "official_sdk": note,
        "sizes": sizes,
        # What each scenario's server was started with beyond the null model (P1b's model time).
        "server_flags": {s: list(SERVER_FLAGS[s]) for s in options.scenarios if s in SERVER_FLAGS},
        "records": records,
        "instructions": counted,
    }
