"""Find, or create, the separate virtualenv holding the official ``tinker`` SDK.

The official SDK cannot share a process with tinkex (both want the name ``tinker``-ish
globals, and its dependencies differ), so it runs in a worker subprocess with its own python.
Looked for in order: ``--tinker-python`` / ``TINKEX_BENCH_TINKER_PYTHON``, then
``benchmarks/.venv-tinker`` (created with ``python -m venv`` + ``pip install tinker==0.38.0``
when allowed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TINKER_VERSION = "0.38.0"
VENV_DIR = Path(__file__).parent / ".venv-tinker"


def _version(python: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('tinker'))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _create(log: list[str]) -> Path | None:
    python = VENV_DIR / "bin" / "python"
    steps = [
        [sys.executable, "-m", "venv", str(VENV_DIR)],
        [str(python), "-m", "pip", "install", "-q", f"tinker=={TINKER_VERSION}"],
    ]
    for step in steps:
        print(f"[official SDK] {' '.join(step)}", file=sys.stderr)
        done = subprocess.run(step, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            log.append(f"`{' '.join(step[-3:])}` failed: {done.stderr.strip()[-300:]}")
            return None
    return python


def find_official_python(explicit: str | None, *, create: bool) -> tuple[Path | None, str]:
    """The python of a virtualenv with the official SDK, and a note on where it came from.

    Args:
        explicit: A python given on the command line (or None).
        create: Build ``benchmarks/.venv-tinker`` when nothing is found.

    Returns:
        ``(python, note)``; python is None when the official SDK is unavailable (the note
        says why, for the report).
    """
    log: list[str] = []
    given = explicit or os.environ.get("TINKEX_BENCH_TINKER_PYTHON")
    candidates = [Path(given)] if given else []
    candidates.append(VENV_DIR / "bin" / "python")
    for python in candidates:
        if python.exists():
            version = _version(python)
            if version is not None:
                return python, f"tinker {version} from {python}"
            log.append(f"{python} has no tinker package")
    if create and not given:
        created = _create(log)
        if created is not None:
            version = _version(created)
            if version is not None:
                return created, f"tinker {version} installed into {VENV_DIR}"
            log.append("the new virtualenv cannot import tinker")
    return None, "official SDK skipped: " + ("; ".join(log) or "not installed (smoke mode)")
