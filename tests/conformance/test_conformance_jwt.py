"""JWT mode: the official SDK 0.38 and tinkex against the embedded backend with JWT auth on.

The backend says ``pjwt_auth_enabled`` in ``client/config`` and refuses any request but the
config fetch and the token exchange unless it carries a JWT it issued. Both clients must run
the whole conformance scenario (exchanging the API key at ``auth/token`` and sending the JWT
everywhere else), get the results tinkex gets from a backend without JWT auth, and decode the
same identity from the token (``RestClient.whoami``).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from recording_server import RecordedRequest, RecordingServer
from scenario_results import assert_scenario_healthy, comparable, unexpected_warnings
from sdk_env import CURRENT_SDK, SCRIPTS, official_sdk_python, script_env
from test_conformance_official_sdk import tinkex_reference
from tinkex_scenario import API_KEY, run_tinkex_scenario

import tinkex
from tinkex.local import BackendConfig
from tinkex.local.jwt_auth import principal_of

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

# Only these take the API key itself; every other request must carry a JWT.
KEY_PATHS = {"/api/v1/client/config", "/api/v1/auth/token"}


async def _official(script: str, url: str, home: Path) -> str:
    """Run an official-SDK script against `url`; its last line of output."""
    python = official_sdk_python(CURRENT_SDK)
    home.mkdir(exist_ok=True)  # noqa: ASYNC240  # a local directory, before the subprocess
    process = await asyncio.create_subprocess_exec(
        str(python),
        str(SCRIPTS / script),
        url,
        cwd=home,
        env=script_env(home),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, stderr.decode()[-4000:]
    return stdout.decode().strip().splitlines()[-1]


def assert_jwt_everywhere(records: list[RecordedRequest]) -> None:
    """The key went to the exchange only; every other request carried a JWT."""
    exchanges = [r for r in records if r.path == "/api/v1/auth/token"]
    assert exchanges, "no token exchange"
    assert all(r.headers["x-api-key"] == API_KEY for r in exchanges)
    others = [r for r in records if r.path not in KEY_PATHS]
    assert len(others) > 50
    assert all(r.headers["x-api-key"].startswith("eyJ") for r in others)


@pytest.mark.timeout(600)
async def test_official_sdk_runs_the_scenario_in_jwt_mode(tmp_path: Path) -> None:
    async with RecordingServer(tmp_path / "jwt", config=BackendConfig(jwt_auth=True)) as server:
        results: dict[str, Any] = json.loads(
            await _official("official_scenario.py", server.url, tmp_path / "home")
        )
        identity = json.loads(await _official("official_whoami.py", server.url, tmp_path / "h2"))
    assert results["sdk_version"] == CURRENT_SDK
    assert unexpected_warnings(results["warnings"]) == []
    assert results["invalid_responses"] == []
    assert_scenario_healthy(results)
    assert_jwt_everywhere(server.records)
    assert comparable(results) == comparable(await tinkex_reference(tmp_path / "reference"))
    assert identity == {
        "user_urn": principal_of(API_KEY),
        "org_urn": "tml:organization:local",
        "email": principal_of(API_KEY).rsplit(":", 1)[1] + "@local.tinkex",
    }


async def test_tinkex_runs_the_scenario_in_jwt_mode_and_decodes_the_same_identity(
    tmp_path: Path,
) -> None:
    async with RecordingServer(tmp_path / "jwt", config=BackendConfig(jwt_auth=True)) as server:
        service = tinkex.ServiceClient(
            base_url=server.url, api_key=API_KEY, telemetry=False, env={}
        )
        identity = await service.create_rest_client().whoami()
        results = await run_tinkex_scenario(service)
        official = json.loads(await _official("official_whoami.py", server.url, tmp_path / "h"))
    assert_scenario_healthy(results)
    assert_jwt_everywhere(server.records)
    assert comparable(results) == comparable(await tinkex_reference(tmp_path / "reference"))
    ours = {"user_urn": identity.user_urn, "org_urn": identity.org_urn, "email": identity.email}
    assert ours == official
