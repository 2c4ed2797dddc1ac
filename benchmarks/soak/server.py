"""The soak's server: ``python -m tinkex.local serve`` in its own process, with its journal.

The server runs the real tiny numpy model (losses and gradient norms mean something), the
fault plan it is given, and ``--journal``: its own record of the work it started and the faults
it injected, which `read_journal` turns into a `ServerRecord` the soak checks against.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["ServerRecord", "SoakServer", "peak_rss_kib", "read_journal"]

READY = "tinkex.local listening on "
REPO_ROOT = Path(__file__).absolute().parents[2]


def peak_rss_kib(pid: int | None = None) -> int:
    """Peak resident set (``VmHWM``) of `pid` (default: this process), in KiB; -1 if unknown."""
    where = "self" if pid is None else str(pid)
    try:
        with open(f"/proc/{where}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return -1


@dataclass
class ServerRecord:
    """What the server's journal says happened.

    Attributes:
        started: ``(request_type, seq_id)`` per model, in the order the work started.
        started_by_type: Work started, by request type (``Sample``, ``ForwardBackward``...).
        faults: Faults the server's plan injected, by kind (``5xx``, ``drop``, ``408``...).
    """

    started: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)
    started_by_type: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


def read_journal(path: Path) -> ServerRecord:
    """Parse a journal written by ``tinkex.local serve --journal`` (a missing file is empty)."""
    record = ServerRecord()
    if not path.exists():
        return record
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.endswith("}"):
            continue  # a line the server was still writing when it was stopped
        event = json.loads(line)
        if event["event"] == "fault":
            record.faults[str(event["kind"])] += 1
        elif event["event"] == "started":
            kind = str(event["request_type"])
            record.started_by_type[kind] += 1
            model = event.get("model_id")
            if model is not None:
                seq = event.get("seq_id")
                entry = (kind, seq if isinstance(seq, int) else None)
                record.started.setdefault(str(model), []).append(entry)
    return record


class SoakServer:
    """Start the embedded backend on a free port of 127.0.0.1; stop it on exit.

    Args:
        data_dir: Its data directory (checkpoints; the journal goes next to them).
        fault_plan: The backend's `FaultPlan` as a JSON-able mapping (None: no faults).
        seed: The backend seed (unseeded sampling derives its seeds from it).
        poll_timeout_s: The long-poll budget of ``retrieve_future``.
        start_timeout_s: How long to wait for the server to listen.

    Attributes:
        url: The base URL, once started.
        pid: The server's process id.
        journal: Path of its journal.
        peak_rss_kib: Its peak RSS, read just before it is stopped.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        fault_plan: dict[str, object] | None = None,
        seed: int = 0,
        poll_timeout_s: float = 2.0,
        start_timeout_s: float = 60.0,
    ) -> None:
        self.data_dir = data_dir
        self.journal = data_dir / "journal.jsonl"
        self._plan = fault_plan
        self._seed = seed
        self._poll_timeout_s = poll_timeout_s
        self._start_timeout_s = start_timeout_s
        self._proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.pid = 0
        self.peak_rss_kib = -1

    async def __aenter__(self) -> SoakServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "tinkex.local", "serve", "--host", "127.0.0.1"]
        command += ["--port", "0", "--data-dir", str(self.data_dir), "--seed", str(self._seed)]
        command += ["--journal", str(self.journal), "--session-ttl", "900"]
        command += ["--poll-timeout", str(self._poll_timeout_s)]
        if self._plan is not None:
            command += ["--fault-plan", json.dumps(self._plan)]
        self._proc = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self.pid = self._proc.pid
        assert self._proc.stdout is not None
        try:
            line = await asyncio.wait_for(self._proc.stdout.readline(), self._start_timeout_s)
        except TimeoutError:
            line = b""
        text = line.decode(errors="replace")
        if not text.startswith(READY):
            await self.stop()
            raise RuntimeError(f"the soak server did not start: {text!r}")
        self.url = text[len(READY) :].strip()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Read the peak RSS, then terminate the server (kill it if it lingers)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            self.peak_rss_kib = peak_rss_kib(proc.pid)
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()

    def record(self) -> ServerRecord:
        """The journal as it stands."""
        return read_journal(self.journal)
