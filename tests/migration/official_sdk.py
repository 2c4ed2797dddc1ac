"""The official SDK's interpreter, found (or skipped) the way the conformance tests do."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["official_python", "official_surface"]

_SDK_ENV = Path(__file__).resolve().parents[1] / "conformance" / "sdk_env.py"


def official_python() -> Path:
    """An interpreter with tinker 0.38 installed; skips the calling test when there is none."""
    spec = importlib.util.spec_from_file_location("tinkex_migration_sdk_env", _SDK_ENV)
    assert spec is not None
    assert spec.loader is not None
    sdk_env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sdk_env)
    python: Path = sdk_env.official_sdk_python(sdk_env.CURRENT_SDK)
    return python


def official_surface(home: Path) -> dict[str, Any]:
    """The official SDK's public client surface, as `official_surface.py` prints it."""
    done = subprocess.run(
        [str(official_python()), str(Path(__file__).with_name("official_surface.py"))],
        cwd=home,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    surface: dict[str, Any] = json.loads(done.stdout)
    return surface
