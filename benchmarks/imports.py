"""P5: the cost of importing each client, in fresh interpreters (median of several)."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Each snippet times its own imports, so interpreter start-up is excluded.
SNIPPET = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
STATEMENTS = {
    "tinkex": "import tinkex",
    "tinkex_client": "import tinkex; tinkex.ServiceClient; tinkex.types.Datum",
    "bare": "import aiohttp, msgspec, numpy",
    "official": "import tinker",
}


def _time_import(python: str, stmt: str) -> float | None:
    done = subprocess.run(
        [python, "-c", SNIPPET.format(stmt=stmt)],
        cwd=Path(__file__).absolute().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        return None
    return float(done.stdout.strip().splitlines()[-1])


def measure(
    python: str, official: Path | None, rounds: int, *, rotate: int = 0, warm: bool = True
) -> dict[str, list[dict[str, float | str]]]:
    """Seconds per import statement, ``rounds`` times each, interleaved.

    Args:
        python: The interpreter with tinkex (and aiohttp/msgspec/numpy).
        official: The official SDK's interpreter, or None to skip it.
        rounds: Repetitions of each statement.
        rotate: Shifts the order of statements (interleaving across repetitions).
        warm: First run each statement once untimed (warms the page cache).
    """
    plan = [(key, python) for key in ("tinkex", "tinkex_client", "bare")]
    if official is not None:
        plan.append(("official", str(official)))
    shift = rotate % len(plan)
    plan = plan[shift:] + plan[:shift]
    for key, interpreter in plan if warm else ():
        _time_import(interpreter, STATEMENTS[key])
    out: dict[str, list[dict[str, float | str]]] = {key: [] for key, _ in plan}
    for _ in range(rounds):
        for key, interpreter in plan:
            seconds = _time_import(interpreter, STATEMENTS[key])
            out[key].append({"error": "import failed"} if seconds is None else {"s": seconds})
    return out
