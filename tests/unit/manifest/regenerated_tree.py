"""A copy of the tinkex package regenerated from an edited manifest, and a probe run in it.

`regenerate_copy` copies the package into a temporary directory, writes the edited
`tinker.yaml` there and regenerates every generated module from it (as ``python -m
tinkex.manifest generate --out`` would). `probe` then runs `probe_client.py` in a fresh
interpreter that imports tinkex from that copy, and returns what the probe saw.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkex.manifest.generator import generate, write
from tinkex.manifest.loader import default_manifest_path, load_manifest

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["SHIPPED_TEXT", "edit_line", "probe", "regenerate_copy"]

PACKAGE = Path(default_manifest_path()).resolve().parents[1]
PROBE = Path(__file__).with_name("probe_client.py")
SHIPPED_TEXT = default_manifest_path().read_text(encoding="utf-8")


def edit_line(text: str, old: str, new: str) -> str:
    """Replace the one line `old` (whole line, indentation included) with `new`."""
    lines = text.splitlines()
    assert lines.count(old) == 1, f"expected exactly one line {old!r}"
    lines[lines.index(old)] = new
    return "\n".join(lines) + "\n"


def regenerate_copy(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    """Copy tinkex under `tmp_path`, apply `edit` to its manifest, regenerate; return the root."""
    root = tmp_path / "tree"
    shutil.copytree(PACKAGE, root / "tinkex", ignore=shutil.ignore_patterns("__pycache__"))
    text = edit(SHIPPED_TEXT)
    (root / "tinkex" / "manifest" / "tinker.yaml").write_text(text, encoding="utf-8")
    write(generate(load_manifest(text)), root)
    return root


def probe(
    root: Path, env: Mapping[str, str] | None = None, *, script: Path = PROBE, arg: str = ""
) -> dict[str, Any]:
    """Run a probe script against the tinkex under `root`; `env` is the client's environment.

    `script` defaults to the probe client (`probe_client.py`), which reads `env` as its
    argument; another script gets `arg` instead.
    """
    process_env = {k: v for k, v in os.environ.items() if not k.startswith(("TINKER_", "PYTHON"))}
    process_env["PYTHONPATH"] = str(root)
    completed = subprocess.run(
        [sys.executable, "-X", "utf8", str(script), arg or json.dumps(dict(env or {}))],
        cwd=root,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    seen: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    assert Path(seen["tinkex"]).resolve().is_relative_to(root.resolve()), seen["tinkex"]
    return seen
