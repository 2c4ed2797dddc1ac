"""The benchmark server: ``python -m tinkex.local serve --null-model`` in its own process."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

READY = "tinkex.local listening on "


class Server:
    """Start the embedded backend on 127.0.0.1 (a free port), null model; stop it on exit.

    Args:
        python: The interpreter to run it with.
        repo_root: The working directory.
        flags: Extra ``serve`` flags (P1b: ``--batch-futures --sample-time 0.1``).
        start_timeout_s: How long to wait for it to listen.

    Attributes:
        url: The base URL, once started.
        pid: The server's process id (its CPU is read from ``/proc``).
    """

    def __init__(
        self,
        python: str,
        repo_root: Path,
        *,
        flags: tuple[str, ...] = (),
        start_timeout_s: float = 30.0,
    ) -> None:
        self._python = python
        self._root = repo_root
        self._flags = flags
        self._timeout = start_timeout_s
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.pid = 0

    def __enter__(self) -> Server:
        self._scratch = tempfile.TemporaryDirectory(prefix="tinkex-bench-")
        command = [self._python, "-m", "tinkex.local", "serve", "--host", "127.0.0.1"]
        command += ["--port", "0", "--null-model", "--session-ttl", "600"]
        command += ["--data-dir", self._scratch.name, *self._flags]
        self._proc = subprocess.Popen(
            command,
            cwd=self._root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.pid = self._proc.pid
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._readline()), daemon=True)
        reader.start()
        reader.join(self._timeout)
        if not line or not line[0].startswith(READY):
            self.__exit__(None, None, None)
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.url = line[0][len(READY) :].strip()
        return self

    def _readline(self) -> str:
        assert self._proc is not None
        assert self._proc.stdout is not None
        return self._proc.stdout.readline()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
