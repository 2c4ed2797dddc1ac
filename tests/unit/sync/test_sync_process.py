"""tinkex.sync in a fresh interpreter: no thread at import, sessions finished at exit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def _run(code: str, tmp_path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing abandoned or warned about at exit
    seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_importing_starts_no_thread_and_exit_finishes_open_sessions(tmp_path: Path) -> None:
    """The loop thread starts with the first client; at exit the open session is finished."""
    seen = _run(
        """
        import atexit, json, sys, threading
        import tinkex.sync as tinker
        at_import = [t.name for t in threading.enumerate()]
        state = {}
        # Registered before the first client: atexit runs it after tinkex.sync's shutdown.
        atexit.register(lambda: print(json.dumps({**state, "closed": service.closed})))
        from pathlib import Path
        service = tinker.ServiceClient(base_url="local", local_data_dir=Path(sys.argv[1]), env={})
        service.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=4)
        state["at_import"] = at_import
        names = [t.name for t in threading.enumerate()]
        state["in_use"] = sorted(n for n in names if n.startswith("tinkex-sync"))
        """,
        tmp_path,
    )
    assert seen == {"at_import": ["MainThread"], "in_use": ["tinkex-sync"], "closed": True}
