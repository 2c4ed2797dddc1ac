"""Part 1: the OFFICIAL tinker SDK (0.38.0 and 0.25.0), unchanged, against ``tinkex serve``
(0.38.0 also against ``tinkex serve --jwt``, the JWT auth mode).

The scenario script uses only the official SDK; it must finish without errors and without
warnings other than `scenario_results.TOLERATED_WARNINGS`, train (the loss falls over 20
steps), and produce exactly the results tinkex gets from the same backend.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from typing import TYPE_CHECKING, Any

import pytest
from scenario_results import assert_scenario_healthy, comparable, unexpected_warnings
from sdk_env import CURRENT_SDK, SCRIPTS, official_sdk_python, script_env
from serve_process import REPO_ROOT, tinkex_serve
from tinkex_scenario import API_KEY, run_tinkex_scenario

import tinkex
from tinkex.local import LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

PYPROJECT = REPO_ROOT / "pyproject.toml"

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

SERVE_CASES = [
    pytest.param(CURRENT_SDK, (), id=CURRENT_SDK),
    pytest.param("0.25.0", (), id="0.25.0"),
    pytest.param(CURRENT_SDK, ("--jwt",), id=f"{CURRENT_SDK}-jwt"),
]


def run_official_scenario(version: str, url: str, home: Path) -> dict[str, Any]:
    """Run ``scripts/official_scenario.py`` with tinker==`version` against `url`."""
    python = official_sdk_python(version)
    done = subprocess.run(
        [str(python), str(SCRIPTS / "official_scenario.py"), url],
        cwd=home,
        env=script_env(home),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"official SDK {version} failed:\n{done.stderr[-4000:]}"
    results: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


async def tinkex_reference(data_dir: Path) -> dict[str, Any]:
    """The scenario through tinkex on a fresh in-process backend (the expected results)."""
    service = tinkex.ServiceClient(
        api_key=API_KEY, backend=LocalBackend(data_dir, seed=0), telemetry=False, env={}
    )
    return await run_tinkex_scenario(service)


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("version", "serve_args"), SERVE_CASES)
async def test_official_sdk_runs_the_scenario_unchanged(
    tmp_path: Path, version: str, serve_args: tuple[str, ...]
) -> None:
    (tmp_path / "home").mkdir()
    with tinkex_serve(tmp_path / "served", *serve_args) as server:
        results = run_official_scenario(version, server.url, tmp_path / "home")
        log = server.log
    assert results["sdk_version"] == version
    assert unexpected_warnings(results["warnings"]) == []
    assert results["invalid_responses"] == []
    assert "Traceback" not in log, log[-3000:]
    assert "ERROR" not in log, log[-3000:]
    assert_scenario_healthy(results)
    expected = await tinkex_reference(tmp_path / "reference")
    assert comparable(results) == comparable(expected)


def test_conformance_extra_pins_the_sdk_the_tests_run() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    assert extras["conformance"] == [f"tinker=={CURRENT_SDK}"]
