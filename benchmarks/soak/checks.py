"""The soak's verdicts: exactly-once from the server's journal, bitwise equality with a reference.

Each check returns a list of problems (empty = it held), so a failure says everything that
went wrong at once rather than the first thing.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from benchmarks.soak.scenario import ScenarioResult, SoakSize
    from benchmarks.soak.server import ServerRecord

__all__ = [
    "checkpoint_file",
    "exactly_once_problems",
    "expected_training_log",
    "same_run_problems",
]

_SHOWN = 5  # mismatches listed per kind


def expected_training_log(size: SoakSize) -> list[tuple[str, int | None]]:
    """The work a model must show in its journal: creation, each step in order, the save."""
    log: list[tuple[str, int | None]] = [("CreateModel", 0)]
    for step in range(size.steps):
        log += [("ForwardBackward", 2 * step + 1), ("OptimStep", 2 * step + 2)]
    log.append(("SaveWeights", 2 * size.steps + 1))
    return log


def exactly_once_problems(
    record: ServerRecord, result: ScenarioResult, size: SoakSize
) -> list[str]:
    """What the server's journal shows beyond "every step once, in order, every sample once".

    A lost step leaves a gap, a duplicated one appears twice, a reordered one out of place:
    the journal must equal `expected_training_log` exactly. Each sample call must have started
    exactly one ``Sample`` on the server (retries of an applied request are replayed, not run).
    """
    problems: list[str] = []
    got = record.started.get(result.model_id, [])
    want = expected_training_log(size)
    if got != want:
        seen = [seq for _, seq in got]
        duplicated = sorted({s for s in seen if s is not None and seen.count(s) > 1})
        missing = sorted({s for _, s in want} - set(seen), key=lambda s: s or 0)
        out_of_order = [i for i in range(1, len(seen)) if (seen[i] or 0) < (seen[i - 1] or 0)]
        first = next(
            (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
            min(len(got), len(want)),
        )
        problems.append(
            f"model {result.model_id}: the server started {len(got)} operations, expected "
            f"{len(want)}; first difference at #{first} "
            f"(got {got[first : first + 3]}, want {want[first : first + 3]}); "
            f"duplicated seq_ids {duplicated[:_SHOWN]}, missing {missing[:_SHOWN]}, "
            f"out of order at {out_of_order[:_SHOWN]}"
        )
    samples = record.started_by_type["Sample"]
    if samples != size.samples:
        problems.append(f"the server ran {samples} Sample requests for {size.samples} calls")
    if len(result.sampled) != size.samples:
        problems.append(f"{len(result.sampled)} samples came back for {size.samples} calls")
    if len(result.losses) != size.steps or len(result.grad_norms) != size.steps:
        problems.append(
            f"{len(result.losses)} losses and {len(result.grad_norms)} grad norms came back "
            f"for {size.steps} steps"
        )
    return problems


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


def _differences(name: str, mine: list[float], theirs: list[float]) -> list[str]:
    if len(mine) != len(theirs):
        return [f"{name}: {len(mine)} values, the reference has {len(theirs)}"]
    diff = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if _bits(a) != _bits(b)]
    if not diff:
        return []
    shown = ", ".join(f"#{i} {mine[i]!r} vs {theirs[i]!r}" for i in diff[:_SHOWN])
    return [f"{name}: {len(diff)} differ bitwise from the reference ({shown})"]


def checkpoint_file(data_dir: Path, name: str) -> Path:
    """The one saved state called `name` under a server's data directory."""
    found = sorted(data_dir.glob(f"checkpoints/*/weights/{name}/state.bin"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one {name} checkpoint under {data_dir}, got {found}")
    return found[0]


def same_run_problems(
    mine: ScenarioResult, reference: ScenarioResult, mine_state: bytes, reference_state: bytes
) -> list[str]:
    """How a faulted run differs from the fault-free reference (nothing may).

    Losses and gradient norms are compared bit for bit, the final saved state (weights and
    Adam moments; its encoding is deterministic) byte for byte, samples token for token.
    """
    problems = _differences("loss:sum", mine.losses, reference.losses)
    problems += _differences("grad_norm:mean", mine.grad_norms, reference.grad_norms)
    if mine_state != reference_state:
        problems.append(
            f"the final saved state differs from the reference "
            f"({len(mine_state)} vs {len(reference_state)} bytes)"
        )
    if mine.sampled != reference.sampled:
        if len(mine.sampled) != len(reference.sampled):
            problems.append(
                f"{len(mine.sampled)} samples, the reference has {len(reference.sampled)}"
            )
        else:
            diff = [
                i
                for i, (a, b) in enumerate(zip(mine.sampled, reference.sampled, strict=True))
                if a != b
            ]
            problems.append(f"{len(diff)} samples differ from the reference (first #{diff[0]})")
    return problems
