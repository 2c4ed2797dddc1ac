"""Part 2: same bytes. The official SDK 0.38.0 and tinkex run the same scenario against a
recording server; every logical call must match (method, path, query, parsed JSON or protobuf
body, headers) except for the differences listed in ``wire_diff.INTENDED_DIFFERENCES`` (the
table in ``docs/conformance.md``). The same holds for the JSON-era SDK 0.16.1 and tinkex
against the backend in legacy mode (``wire_diff.JSON_ERA_DIFFERENCES``).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from recording_server import RecordedRequest, RecordingServer
from scenario_results import comparable
from sdk_env import CURRENT_SDK, SCRIPTS, official_sdk_python, script_env
from tinkex_scenario import API_KEY, run_tinkex_scenario
from wire_diff import (
    INTENDED_DIFFERENCES,
    JSON_ERA_DIFFERENCES,
    JSON_ERA_RULES,
    diff_recordings,
    normalise,
)

import tinkex
from tinkex.local import BackendConfig

DOCS = Path(tinkex.__file__).resolve().parents[1] / "docs" / "conformance.md"


JSON_ERA_SDK = "0.16.1"
MODES = {
    "per-future": None,
    # The server offers batch polling: both SDKs resolve samples through retrieve_futures.
    "batch": BackendConfig(batch_futures=True),
}


async def record_official(
    tmp_path: Path,
    config: BackendConfig | None = None,
    *,
    version: str = CURRENT_SDK,
    legacy: bool = False,
) -> tuple[list[RecordedRequest], dict[str, Any]]:
    """The official SDK's requests for the scenario, and its results."""
    python = official_sdk_python(version)
    home = tmp_path / "home"
    home.mkdir()
    async with RecordingServer(tmp_path / "official", legacy=legacy, config=config) as server:
        process = await asyncio.create_subprocess_exec(
            str(python),
            str(SCRIPTS / "official_scenario.py"),
            server.url,
            cwd=home,
            env=script_env(home),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, stderr.decode()[-4000:]
    return server.records, json.loads(stdout.decode().strip().splitlines()[-1])


async def record_tinkex(
    tmp_path: Path, config: BackendConfig | None = None, *, legacy: bool = False
) -> tuple[list[RecordedRequest], dict[str, Any]]:
    """tinkex's requests for the scenario, and its results."""
    async with RecordingServer(tmp_path / "tinkex", legacy=legacy, config=config) as server:
        service = tinkex.ServiceClient(
            base_url=server.url, api_key=API_KEY, telemetry=False, env={}
        )
        results = await run_tinkex_scenario(service)
    return server.records, results


@pytest.mark.conformance
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", list(MODES))
async def test_tinkex_sends_what_the_official_sdk_sends(tmp_path: Path, mode: str) -> None:
    official, official_results = await record_official(tmp_path, MODES[mode])
    ours, our_results = await record_tinkex(tmp_path, MODES[mode])
    assert comparable(our_results) == comparable(official_results)
    # Both recordings cover the whole scenario (so an empty diff means something).
    endpoints = set(normalise(official))
    assert {"POST /api/v1/forward_backward", "POST /api/v1/asample"} <= endpoints
    assert len(endpoints) >= 20
    differences = diff_recordings(ours, official)
    assert differences == [], "tinkex differs from the official SDK:\n" + "\n".join(differences)


@pytest.mark.conformance
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_tinkex_sends_what_the_json_era_sdk_sends(tmp_path: Path) -> None:
    """Against a JSON-era server (no client/config) tinkex speaks 0.16.1's wire."""
    official, official_results = await record_official(tmp_path, version=JSON_ERA_SDK, legacy=True)
    ours, our_results = await record_tinkex(tmp_path, legacy=True)
    assert official_results["sdk_version"] == JSON_ERA_SDK
    assert comparable(our_results) == comparable(official_results)
    endpoints = set(normalise(official, JSON_ERA_RULES))
    assert {"POST /api/v1/forward", "POST /api/v1/forward_backward"} <= endpoints
    assert {"POST /api/v1/weights_info", "POST /api/v1/load_weights"} <= endpoints
    assert len(endpoints) >= 20
    differences = diff_recordings(ours, official, JSON_ERA_RULES)
    assert differences == [], "tinkex differs from the JSON-era SDK:\n" + "\n".join(differences)


def test_the_json_era_diff_ignores_defaults_and_extra_get_info_calls_only() -> None:
    adam = {"learning_rate": 0.02, "beta1": 0.9, "eps": 1e-12}
    theirs = [
        _request("/api/v1/optim_step", {"adam_params": {"learning_rate": 0.02}}),
        _request("/api/v1/get_info", {"model_id": "m:0"}),
    ]
    ours = [
        _request("/api/v1/client/config", {}, **{"accept-encoding": "zstd"}),
        _request("/api/v1/optim_step", {"adam_params": adam}),
        _request("/api/v1/get_info", {"model_id": "m:1"}),
        _request("/api/v1/get_info", {"model_id": "m:0"}),
    ]
    assert diff_recordings(ours, theirs, JSON_ERA_RULES) == []
    ours[1] = _request("/api/v1/optim_step", {"adam_params": {**adam, "beta1": 0.8}})
    del ours[3]
    assert diff_recordings(ours, theirs, JSON_ERA_RULES) == [
        "POST /api/v1/get_info: official call {'query': [], 'body': {'model_id': 'm:0'},"
        " 'headers': {}} not made by tinkex",
        "POST /api/v1/optim_step #0.body.adam_params.beta1: only in tinkex (0.8)",
    ]


def _request(path: str, body: Any, **headers: str) -> RecordedRequest:
    return RecordedRequest(method="POST", path=path, query=(), headers=headers, body=body)


def test_wire_diff_reports_a_changed_body_field_and_a_missing_header() -> None:
    theirs = [_request("/api/v1/optim_step", {"seq_id": 3, "lr": 0.1}, **{"x-sdk-method": "m"})]
    ours = [_request("/api/v1/optim_step", {"seq_id": 3, "lr": 0.2})]
    assert diff_recordings(ours, theirs) == [
        "POST /api/v1/optim_step #0.body.lr: tinkex 0.2 != official 0.1",
        "POST /api/v1/optim_step #0.headers.x-sdk-method: missing in tinkex (official: 'm')",
    ]


THEIRS = "stainless-python-retry-0b7a4c1e-5f5d-4e8a-9c61-2f3b8d9e0a17"
OURS = "stainless-python-retry-" + "3f" * 16


def test_wire_diff_ignores_only_the_intended_differences() -> None:
    theirs = [
        _request("/api/v1/create_session", {"session": "sess-aa"}, **{"user-agent": "Tinker"}),
        _request(
            "/api/v1/retrieve_future", {"request_id": "req-01"}, **{"x-idempotency-key": THEIRS}
        ),
        _request("/api/v1/retrieve_future", {"request_id": "req-01"}),
        _request("/api/v1/session_heartbeat", {"session_id": "sess-aa"}),
    ]
    ours = [
        _request("/api/v1/create_session", {"session": "sess-bb"}, **{"user-agent": "Tinkex"}),
        _request(
            "/api/v1/retrieve_future", {"request_id": "req-02"}, **{"x-idempotency-key": OURS}
        ),
    ]
    assert diff_recordings(ours, theirs) == []
    ours.append(_request("/api/v1/asample", {}))
    assert diff_recordings(ours, theirs) == [
        "POST /api/v1/asample: tinkex made 1 calls, official 0"
    ]


def test_wire_diff_compares_the_idempotency_key_prefix() -> None:
    """Only the random tail of an idempotency key is free: another prefix is a difference."""
    theirs = [_request("/api/v1/optim_step", {}, **{"x-idempotency-key": THEIRS})]
    ours = [
        _request("/api/v1/optim_step", {}, **{"x-idempotency-key": "tinkex-retry-" + "3f" * 16})
    ]
    assert diff_recordings(ours, theirs) == [
        "POST /api/v1/optim_step #0.headers.x-idempotency-key: tinkex 'tinkex-retry-<random>'"
        " != official 'stainless-python-retry-<random>'"
    ]
    ours = [_request("/api/v1/optim_step", {}, **{"x-idempotency-key": OURS})]
    assert diff_recordings(ours, theirs) == []


def test_every_intended_difference_is_documented() -> None:
    text = DOCS.read_text()
    for difference in (*INTENDED_DIFFERENCES, *JSON_ERA_DIFFERENCES):
        assert f"| {difference.where} | {difference.what} | {difference.reason} |" in text


def _poll(cursor: int, acks: list[str], timeout: float | None = None) -> RecordedRequest:
    body: dict[str, Any] = {
        "target": {"type": "sampling_session", "sampling_session_id": "sess-aa:sample:0"},
        "prev_cursor": cursor,
        "retrieved_request_ids": acks,
    }
    if timeout is not None:
        body["timeout"] = timeout
    return _request("/api/v1/retrieve_futures", body)


def test_batch_polls_are_compared_by_what_they_poll_for_and_acknowledge() -> None:
    """Poll counts are free; the cursors, the acks and each kind of poll's fields are not."""
    fetch = _request("/api/v1/retrieve_future", {"request_id": "req-0a"})
    theirs = [_poll(0, []), _poll(1, [], 0.0), fetch, _poll(1, ["req-0a"], 0.0)]
    assert diff_recordings([_poll(0, []), fetch, _poll(1, ["req-0a"], 0.0)], theirs) == []
    assert diff_recordings([_poll(0, []), fetch, _poll(1, [], 0.0)], theirs) == [
        "POST /api/v1/retrieve_futures #0.body.acknowledged: tinkex [] != official ['req#0']"
    ]
    # A long poll sent with a timeout is another kind of poll: reported, not absorbed.
    late = [_poll(0, [], 45.0), fetch, _poll(1, ["req-0a"], 0.0)]
    assert (
        "POST /api/v1/retrieve_futures #0.body.long_poll_cursors: tinkex [] != official [0]"
        in diff_recordings(late, theirs)
    )
