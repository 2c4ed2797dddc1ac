"""``tinkex serve`` as a child process on 127.0.0.1 that tests can stop, resume, kill and restart.

`ServedProcess` runs the user-facing command (``python -m tinkex.cli serve``) on a port it
keeps, so a restart comes back at the same URL with the same data directory, as a real server
restarted by its operator would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import tinkex

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ServedProcess", "closed_port", "served"]

_REPO_ROOT = Path(tinkex.__file__).resolve().parents[1]
_ANNOUNCE = "listening on "
_START_TIMEOUT_S = 30.0


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class ServedProcess:
    """One ``tinkex serve`` child; `url` stays the same across `restart`.

    Args:
        data_dir: The server's store (kept across restarts).
        extra: More command-line arguments (e.g. ``--fault-plan``) for the first start.
    """

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self._data_dir = data_dir
        self._log_path = data_dir.parent / f"{data_dir.name}-serve.log"
        self._port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.url = self._spawn(extra)

    @property
    def pid(self) -> int:
        """The running server's process id."""
        assert self._process is not None
        return self._process.pid

    @property
    def log(self) -> str:
        """Everything the server printed so far."""
        return self._log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted by the kernel, never answered."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a stopped server run again (SIGCONT)."""
        os.kill(self.pid, signal.SIGCONT)

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): no goodbye, every in-memory state lost."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def restart(self, *extra: str) -> None:
        """Start the server again on the same port and store (after `kill`)."""
        self.kill()
        assert self._spawn(extra) == self.url

    def close(self) -> None:
        """Stop the server for good (resuming it first if it was stopped)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _spawn(self, extra: tuple[str, ...]) -> str:
        command = [sys.executable, "-m", "tinkex.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self._port), "--data-dir", str(self._data_dir), *extra]
        start = self._log_path.stat().st_size if self._log_path.exists() else 0
        with self._log_path.open("a") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self._data_dir.parent,
                env={**os.environ, "PYTHONPATH": str(_REPO_ROOT)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = self._wait_for_url(start)
        self._port = int(url.rsplit(":", 1)[1])
        return url

    def _wait_for_url(self, start: int) -> str:
        assert self._process is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self._log_path.read_text(errors="replace")[start:]
            for line in text.splitlines():
                if _ANNOUNCE in line:
                    return line.split(_ANNOUNCE, 1)[1].strip().rstrip("/")
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"tinkex serve did not start: {self.log[-2000:]}")


@contextlib.contextmanager
def served(data_dir: Path, *extra: str) -> Iterator[ServedProcess]:
    """Run ``tinkex serve`` for the duration of the block (always resumed and stopped after)."""
    server = ServedProcess(data_dir, *extra)
    try:
        yield server
    finally:
        server.close()
