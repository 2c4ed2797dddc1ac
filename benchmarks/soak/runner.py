"""One soak: a fault-free reference run, then the same seeded run through the fault mix.

Each run gets a fresh server process (``python -m tinkex.local serve`` with its journal) and a
fresh client process (`benchmarks.soak.worker`); the faulted run goes through `FaultProxy`.
The verdicts come from the faulted server's journal and from comparing the two runs bit for bit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.soak import checks, worker
from benchmarks.soak.fault_proxy import FaultProxy, ProxyPlan
from benchmarks.soak.scenario import CHECKPOINT_NAME, ScenarioResult, SoakSize
from benchmarks.soak.server import REPO_ROOT, ServerRecord, SoakServer

__all__ = [
    "BURSTS_ONLY",
    "CI_MIX",
    "ISSUE_MIX",
    "FaultMix",
    "RunOutcome",
    "SoakOutcome",
    "run_soak",
]


@dataclass(frozen=True)
class FaultMix:
    """The faults of one soak: the server's own plan and the proxy's.

    Attributes:
        name: Shown in the report.
        server: The backend's `FaultPlan` (JSON-able).
        proxy: What the proxy in front injects.
    """

    name: str
    server: dict[str, object]
    proxy: ProxyPlan


ISSUE_MIX = FaultMix(
    name="issue 15",
    server={"seed": 15, "error_5xx": 0.2, "drop_connection": 0.1, "paused_408": 0.2},
    proxy=ProxyPlan(
        seed=15,
        burst_chance=0.003,
        burst_length=10,
        retry_after_ms=1000,
        reset_before=0.03,
        reset_after=0.03,
    ),
)
"""The issue's mix: 20 % 5xx, 10 % dropped connections, 20 % paused 408 polls (the server's
plan), 429 bursts of 10 requests asking 1 s, 3 % resets before and 3 % after (the proxy)."""

CI_MIX = FaultMix(
    name="issue 15, short 429 bursts",
    server=ISSUE_MIX.server,
    proxy=ProxyPlan(
        seed=4,
        burst_chance=0.02,
        burst_length=3,
        retry_after_ms=500,
        reset_before=0.05,
        reset_after=0.05,
    ),
)
"""The same server faults with short, frequent 429 bursts and more resets, for a small run."""

BURSTS_ONLY = FaultMix(
    name="429 bursts",
    server={},
    proxy=ProxyPlan(
        seed=4, burst_chance=0.015, burst_length=12, retry_after_ms=500, retry_after_header="ms"
    ),
)
"""Only 429 bursts longer than the HTTP layer's 10 retries: the backoff must not collapse."""


@dataclass
class RunOutcome:
    """One run (reference or faulted).

    Attributes:
        result: What the client saw.
        client_peak_rss_kib: The client process's peak RSS.
        server_peak_rss_kib: The server process's peak RSS.
        record: The server's journal.
        state: The final saved state's bytes.
    """

    result: ScenarioResult
    client_peak_rss_kib: int
    server_peak_rss_kib: int
    record: ServerRecord
    state: bytes


@dataclass
class SoakOutcome:
    """A whole soak.

    Attributes:
        size: What was run.
        mix: Through which faults.
        reference: The fault-free run.
        faulted: The run through the faults.
        proxy_counts: The proxy's counts (``429``, ``reset_before``, ``bursts``...).
        proxy_faults_by_endpoint: The proxy's faults by ``kind/endpoint``.
        retry_after_total_s: The waits the proxy's 429s asked for, in all.
        order_problems: What the faulted server's journal shows beyond every step applied once
            and in order and every sample run once (and the same for the reference run).
        equality_problems: How the faulted run differs from the fault-free one.
        duration_s: Wall time of the whole soak.
    """

    size: SoakSize
    mix: FaultMix
    reference: RunOutcome
    faulted: RunOutcome
    proxy_counts: Counter[str] = field(default_factory=Counter)
    proxy_faults_by_endpoint: dict[str, int] = field(default_factory=dict)
    retry_after_total_s: float = 0.0
    order_problems: list[str] = field(default_factory=list)
    equality_problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def problems(self) -> list[str]:
        """Every check that failed (empty: the soak held)."""
        return self.order_problems + self.equality_problems


def _has_files(directory: Path) -> bool:
    return directory.exists() and any(directory.iterdir())


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def _client(
    base_url: str, size: SoakSize, seed: int, timeout_s: float, log: Path
) -> tuple[ScenarioResult, int]:
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["TINKER_TELEMETRY"] = "0"
    with log.open("ab") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.soak.worker",
            worker.job(base_url, size, seed),
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
        try:
            stdout, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise TimeoutError(f"the soak client did not finish within {timeout_s:.0f}s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"the soak client failed ({proc.returncode}):\n{_tail(log)}")
    return worker.parse_result(stdout.decode())


async def _run(
    root: Path, size: SoakSize, seed: int, timeout_s: float, mix: FaultMix | None
) -> tuple[RunOutcome, FaultProxy | None]:
    name = "faulted" if mix is not None else "reference"
    server = SoakServer(root / name, fault_plan=mix.server if mix else None, seed=seed)
    proxy: FaultProxy | None = None
    async with server:
        if mix is not None:
            proxy = FaultProxy(server.url, mix.proxy, lifetime_s=timeout_s + 60)
        async with proxy if proxy is not None else contextlib.nullcontext():
            url = proxy.url if proxy is not None else server.url
            result, client_rss = await _client(url, size, seed, timeout_s, root / f"{name}.log")
    state = checks.checkpoint_file(server.data_dir, CHECKPOINT_NAME).read_bytes()
    outcome = RunOutcome(result, client_rss, server.peak_rss_kib, server.record(), state)
    return outcome, proxy


async def run_soak(
    size: SoakSize,
    mix: FaultMix,
    *,
    seed: int = 1,
    timeout_s: float = 3600.0,
    scratch: Path | None = None,
) -> SoakOutcome:
    """Run the reference, then the faulted run, and check them.

    Args:
        size: How much each run does.
        mix: The faults of the faulted run.
        seed: Seeds the server and the LoRA initialisation (the same for both runs).
        timeout_s: The longest one client run may take (it is killed after).
        scratch: Where the servers' data and the client logs go, an empty or new directory
            (default: a temp dir, removed afterwards).

    Raises:
        ValueError: `scratch` is not empty (an earlier run's checkpoints would mix in).
    """
    if scratch is not None and _has_files(scratch):
        raise ValueError(f"the soak's scratch directory {scratch} is not empty")
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        root = scratch or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        reference, _ = await _run(root, size, seed, timeout_s, None)
        faulted, proxy = await _run(root, size, seed, timeout_s, mix)
    assert proxy is not None
    outcome = SoakOutcome(
        size=size,
        mix=mix,
        reference=reference,
        faulted=faulted,
        proxy_counts=proxy.counts,
        proxy_faults_by_endpoint={f"{k}/{e}": n for (k, e), n in proxy.faults_by_endpoint.items()},
        retry_after_total_s=proxy.retry_after_total_s,
    )
    outcome.order_problems = checks.exactly_once_problems(faulted.record, faulted.result, size)
    outcome.order_problems += [
        f"reference run: {problem}"
        for problem in checks.exactly_once_problems(reference.record, reference.result, size)
    ]
    outcome.equality_problems = checks.same_run_problems(
        faulted.result, reference.result, faulted.state, reference.state
    )
    outcome.duration_s = time.perf_counter() - started
    return outcome
