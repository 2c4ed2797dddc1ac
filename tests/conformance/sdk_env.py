"""Interpreters that have a given release of the official ``tinker`` SDK installed.

The test interpreter itself is used when it has that exact release (``pip install -e
'.[conformance]'`` puts `CURRENT_SDK` there). Otherwise a virtualenv is created once per
release under the cache directory (``$TINKEX_CONFORMANCE_CACHE``, default
``~/.cache/tinkex/conformance``) with ``python -m venv`` + ``pip install tinker==X``, and
reused by later runs. When pip cannot install it (no network, no index) the calling test is
skipped with pip's own words: the one reason these tests may skip.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["CURRENT_SDK", "SCRIPTS", "official_sdk_python", "script_env"]

CURRENT_SDK = "0.38.0"
"""The release tinkex speaks the wire of; the ``conformance`` extra pins the same one."""
SCRIPTS = Path(__file__).resolve().parent / "scripts"
_READY = ".tinkex-ready"


def _cache_root() -> Path:
    configured = os.environ.get("TINKEX_CONFORMANCE_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinkex" / "conformance"


def _installed_here(version: str) -> bool:
    try:
        return importlib.metadata.version("tinker") == version
    except importlib.metadata.PackageNotFoundError:
        return False


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _create_venv_with(venv: Path, requirement: str) -> subprocess.CompletedProcess[str]:
    """``python -m venv`` + ``pip install``, the fast way when our pip can target it.

    A pip that knows ``--python`` (22.3+) installs into a pip-less venv from outside, which
    skips ensurepip; ``--no-compile`` skips byte-compiling transformers and friends up front
    (the modules the scenario imports are compiled on first use and cached in the venv).
    """
    outer_pip = tuple(int(part) for part in importlib.metadata.version("pip").split(".")[:2])
    if outer_pip >= (22, 3):
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        pip = [sys.executable, "-m", "pip", "--python", str(_venv_python(venv))]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(_venv_python(venv)), "-m", "pip"]
    return subprocess.run(
        [*pip, "install", "-q", "--no-compile", "--disable-pip-version-check", requirement],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def official_sdk_python(version: str) -> Path:
    """An interpreter with ``tinker==version``; skips the test only if it cannot be installed."""
    if _installed_here(version):
        return Path(sys.executable)
    venv = _cache_root() / f"tinker-{version}"
    if (venv / _READY).exists():
        return _venv_python(venv)
    building = venv.with_name(f"{venv.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    install = _create_venv_with(building, f"tinker=={version}")
    if install.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        pytest.skip(f"cannot install tinker=={version} (no network?): {install.stderr[-600:]}")
    # A venv hard-codes its own path in scripts, but `bin/python -m ...` works after a rename.
    (building / _READY).write_text(version)
    shutil.rmtree(venv, ignore_errors=True)
    building.rename(venv)
    return _venv_python(venv)


def script_env(home: Path) -> dict[str, str]:
    """A minimal environment for an SDK script: no inherited TINKER_* or proxy settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
    }
