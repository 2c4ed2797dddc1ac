"""Describe the machine a run happened on (for the report: results mean nothing without it)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git(repo_root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo_root, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def describe(repo_root: Path) -> dict[str, Any]:
    """nproc, CPU model, memory, OS, Python, the load average and the checkout."""
    mem_kib = 0
    try:
        with open("/proc/meminfo") as info:
            mem_kib = int(info.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_gib": round(mem_kib / 2**20, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "loadavg_start": os.getloadavg(),
        "git_commit": _git(repo_root, "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git(repo_root, "status", "--porcelain", "--untracked-files=no")),
    }
