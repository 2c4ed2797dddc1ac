"""Scripts written against the official SDK 0.38 run on tinkex with only the import changed.

Each script in ``scripts/`` imports ``tinker`` and nothing of tinkex; the test replaces that one
line (``import tinkex.sync as tinker``, or ``import tinkex as tinker`` for the async one) and
runs the result in a fresh interpreter against the embedded backend (``TINKER_BASE_URL=local``).
The scripts check their own results (losses fall, samples arrive, listings hold what was
saved) and print a JSON summary last.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPTS = Path(__file__).with_name("scripts")
OFFICIAL_IMPORT = "import tinker"
CASES = [
    ("quickstart", "import tinkex.sync as tinker"),
    ("sync_training_loop", "import tinkex.sync as tinker"),
    ("async_training_loop", "import tinkex as tinker"),
    ("sampling_fanout", "import tinkex.sync as tinker"),
    ("rest_listing", "import tinkex.sync as tinker"),
]


def ported(name: str, import_line: str) -> str:
    """The script with its one official import line replaced, and nothing else."""
    original = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8")
    lines = original.splitlines()
    assert lines.count(OFFICIAL_IMPORT) == 1
    assert not any(line.lstrip().startswith(("import tinkex", "from tinkex")) for line in lines)
    lines[lines.index(OFFICIAL_IMPORT)] = import_line
    return "\n".join(lines) + "\n"


def run_ported(name: str, import_line: str, home: Path) -> dict[str, Any]:
    """Run the ported script against the in-process embedded backend; its JSON summary."""
    script = home / f"{name}.py"
    script.write_text(ported(name, import_line), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=home,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / "cache"),
            "TINKER_BASE_URL": "local",
            "TINKER_TELEMETRY": "0",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stderr == ""  # no warning, nothing abandoned at exit
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def test_the_port_changes_exactly_one_line() -> None:
    """Every script differs from its ported form in its import line only."""
    for name, import_line in CASES:
        original = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8").splitlines()
        changed = ported(name, import_line).splitlines()
        assert [a != b for a, b in zip(original, changed, strict=True)].count(True) == 1
    assert sorted(p.stem for p in SCRIPTS.glob("*.py")) == sorted(n for n, _ in CASES)


@pytest.mark.parametrize(("name", "import_line"), CASES, ids=[n for n, _ in CASES])
def test_official_script_runs_on_tinkex(name: str, import_line: str, tmp_path: Path) -> None:
    """The ported script finishes and reports what it checked."""
    summary = run_ported(name, import_line, tmp_path)
    if name == "quickstart":
        assert summary["last_loss"] < summary["first_loss"]
        assert summary["samples"] == 2
    elif name == "sync_training_loop":
        assert len(summary["losses"]) == 8
        assert summary["state"].endswith("/weights/halfway")
        assert summary["sampler"].endswith("/sampler_weights/final")
    elif name == "async_training_loop":
        assert summary["losses"][-1] < summary["losses"][0]
        assert [len(tokens) for tokens in summary["samples"]] == [8, 8, 8]
        assert summary["base_model"] == "Qwen/Qwen3-8B"
    elif name == "sampling_fanout":
        assert summary["completions"] == 20
    else:
        assert summary["left"] == 1
        assert len(summary["checkpoints"]) == 2
