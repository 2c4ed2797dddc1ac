"""The official SDK, unchanged, against the backend with injected faults or unusual flags.

Its own retry, backpressure and polling code must get through 5xx answers, dropped
connections, 429s, paused queues, metadata-only poll answers and every optional wire feature
the server can turn on (zstd bodies, retrieve_futures, joined sampling sessions, one-datum
chunks). The JSON-era SDK (0.16.1) runs against the backend in legacy mode.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest
from sdk_env import CURRENT_SDK, SCRIPTS, official_sdk_python, script_env
from serve_process import tinkex_serve

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

FAULTS = [
    "--fault-plan",
    '{"seed": 3, "error_5xx": 0.1, "drop_connection": 0.05, "backpressure_429": 0.3,'
    ' "paused_408": 0.2, "latency_ms": [0, 20]}',
    "--metadata-threshold",
    "10",
    "--poll-timeout",
    "0.5",
]
FLAGS = [
    "--client-flag",
    "sample_use_retrieve_futures=true",
    "--client-flag",
    "proto_compress_fwdbwd=true",
    "--client-flag",
    "sample_join_sampling_session=true",
    "--client-flag",
    "fwdbwd_max_chunk_len=1",
]
CASES = [
    pytest.param(CURRENT_SDK, FAULTS, id="0.38-faults"),
    pytest.param(CURRENT_SDK, FLAGS, id="0.38-flags"),
    pytest.param("0.16.1", ["--legacy"], id="0.16.1-legacy"),
]


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("version", "server_args"), CASES)
def test_official_sdk_copes_with_faults_and_server_flags(
    tmp_path: Path, version: str, server_args: list[str]
) -> None:
    python = official_sdk_python(version)
    home = tmp_path / "home"
    home.mkdir()
    with tinkex_serve(tmp_path / "data", *server_args, module="tinkex.local") as server:
        done = subprocess.run(
            [str(python), str(SCRIPTS / "official_smoke.py"), server.url],
            cwd=home,
            env=script_env(home),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SMOKE-OK" in done.stdout
