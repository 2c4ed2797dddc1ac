"""Part 3: tinkex against its own backend with both codecs gives the same results.

The protobuf codec is what tinkex speaks to a 0.38-era server; the JSON fallback is what it
speaks to a server without ``/client/config`` (the backend in legacy mode). The recordings
prove each run used the codec it claims; the results must be identical, and equal to what
the scenario's checks expect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from recording_server import RecordedRequest, RecordingServer
from scenario_results import assert_scenario_healthy, comparable
from tinkex_scenario import API_KEY, run_tinkex_scenario

import tinkex

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.conformance]


async def run_recorded(data_dir: Path, *, legacy: bool) -> tuple[list[RecordedRequest], Any]:
    """The scenario through tinkex against a recording backend (legacy: JSON-era server)."""
    async with RecordingServer(data_dir, legacy=legacy) as server:
        service = tinkex.ServiceClient(
            base_url=server.url, api_key=API_KEY, telemetry=False, env={}
        )
        results = await run_tinkex_scenario(service)
    return server.records, results


def _training_bodies(records: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in records if r.path in {"/api/v1/forward_backward", "/api/v1/forward"}]


def _protobuf_polls(records: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in records if "application/x-protobuf" in r.headers.get("accept", "")]


async def test_protobuf_and_json_codecs_give_the_same_results(tmp_path: Path) -> None:
    proto_records, proto_results = await run_recorded(tmp_path / "proto", legacy=False)
    json_records, json_results = await run_recorded(tmp_path / "json", legacy=True)

    proto_training = _training_bodies(proto_records)
    assert len(proto_training) == 24
    assert all("protobuf" in r.body for r in proto_training)
    assert _protobuf_polls(proto_records)
    json_training = _training_bodies(json_records)
    assert len(json_training) == 24
    assert all("protobuf" not in r.body for r in json_training)
    assert not any("protobuf" in r.headers.get("content-type", "") for r in json_records)
    assert _protobuf_polls(json_records) == []

    assert_scenario_healthy(proto_results)
    assert_scenario_healthy(json_results)
    assert comparable(json_results) == comparable(proto_results)
