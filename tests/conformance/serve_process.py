"""``tinkex serve`` in a child process, on 127.0.0.1 and a port the OS picks."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import tinkex

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ServedBackend", "tinkex_serve"]

REPO_ROOT = Path(tinkex.__file__).resolve().parents[1]
_ANNOUNCE = "listening on "


class ServedBackend:
    """A running ``tinkex serve``: its URL, and its log once stopped."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.url = url
        self.log_path = log_path

    @property
    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def tinkex_serve(
    data_dir: Path, *extra: str, module: str = "tinkex.cli"
) -> Iterator[ServedBackend]:
    """Run ``python -m <module> serve --port 0`` until the block ends (output in a file).

    `module` ``tinkex.cli`` is the user-facing ``tinkex serve``; ``tinkex.local`` takes the
    backend's test options too (``--client-flag``, ``--poll-timeout``...).
    """
    log_path = data_dir.parent / f"{data_dir.name}-serve.log"
    log = log_path.open("w")
    command = [sys.executable, "-m", module, "serve", "--port", "0", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [*command, *extra],
        cwd=data_dir.parent,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield ServedBackend(_wait_for_url(process, log_path), log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for_url(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if _ANNOUNCE in line:
                return line.split(_ANNOUNCE, 1)[1].strip()
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"tinkex serve did not start: {log_path.read_text()[-2000:]}")
