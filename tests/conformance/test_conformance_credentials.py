"""The credentials file is the official CLI's: each SDK reads what the other wrote.

tinkex stores a key in ``$HOME/.tinker/credentials.json``; the official SDK 0.38, given no
key, authenticates with it (the recording server sees it) and reads its record; the official
store writes another file, which tinkex reads and uses.
"""

from __future__ import annotations

import asyncio
import json
import stat
from typing import TYPE_CHECKING

import pytest
from recording_server import RecordingServer
from sdk_env import CURRENT_SDK, SCRIPTS, official_sdk_python, script_env

import tinkex
from tinkex.auth.store import CredentialsFile, StoredKey

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

STORED = "tml-stored-by-tinkex"


@pytest.mark.timeout(300)
async def test_both_sdks_read_the_credentials_file_the_other_wrote(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "other" / "credentials.json"
    home.mkdir()
    CredentialsFile(home / ".tinker" / "credentials.json").store_default(
        StoredKey(key_id="5", key=STORED, name="from tinkex")
    )
    python = official_sdk_python(CURRENT_SDK)
    async with RecordingServer(tmp_path / "data") as server:
        process = await asyncio.create_subprocess_exec(
            str(python),
            str(SCRIPTS / "official_credentials.py"),
            server.url,
            str(other),
            cwd=home,
            env=script_env(home),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, stderr.decode()[-3000:]
        official_keys = {r.headers.get("x-api-key") for r in server.records}
        # tinkex, with only a home directory, finds the key the official store wrote.
        other.parent.rename(other.parent.parent / ".tinker")
        service = tinkex.ServiceClient(
            base_url=server.url, telemetry=False, env={"HOME": str(other.parent.parent)}
        )
        async with service:
            await service.get_server_capabilities()
        tinkex_keys = {r.headers.get("x-api-key") for r in server.records} - official_keys
    seen = json.loads(stdout.decode().strip().splitlines()[-1])
    assert seen == {"type": "manual", "name": "from tinkex", "models": 5}
    assert official_keys == {STORED}
    assert tinkex_keys == {"tml-written-by-official"}
    written = other.parent.parent / ".tinker" / "credentials.json"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
