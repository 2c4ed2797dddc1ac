from __future__ import annotations

import math
from typing import TYPE_CHECKING

import msgspec
from local_wire import PROTO, LocalWire

from tinkex.adapters.clock import FakeClock
from tinkex.local import LocalBackend
from tinkex.proto.wire import decode_sample_response

if TYPE_CHECKING:
    from pathlib import Path


async def _sampler(wire: LocalWire, session: str, **source: object) -> str:
    body = {"session_id": session, "sampling_session_seq_id": 0, **source}
    status, reply = await wire.json("POST", "/api/v1/create_sampling_session", body)
    assert status == 200, reply
    return str(reply["sampling_session_id"])


def _sample_body(sampler: str, **params: object) -> dict[str, object]:
    return {
        "num_samples": 2,
        "prompt": {"chunks": [{"tokens": list(b"Hello"), "type": "encoded_text"}]},
        "sampling_params": {"max_tokens": 4, "temperature": 1.0, "seed": 3, **params},
        "sampling_session_id": sampler,
        "seq_id": 0,
        "prompt_logprobs": True,
        "topk_prompt_logprobs": 2,
        "type": "sample",
    }


async def test_sample_returns_sequence_ids_and_proto_result(wire: LocalWire) -> None:
    """asample answers a future with sample_sequence_ids; the proto result has 2 sequences."""
    session = await wire.session()
    sampler = await _sampler(wire, session, base_model="Qwen/Qwen3-8B")
    assert sampler == f"{session}:sample:0"
    status, reply = await wire.json(
        "POST",
        "/api/v1/asample",
        _sample_body(sampler, stop=[]),
        headers={"X-Tinker-Sampling-Backpressure": "1"},
    )
    assert status == 200, reply
    assert len(reply["sample_sequence_ids"]) == 2
    _, headers, raw = await wire.result(reply["request_id"], accept=PROTO)
    assert headers["content-type"] == PROTO
    result = decode_sample_response(raw)
    assert [len(s.tokens) for s in result.sequences] == [4, 4]
    assert [s.stop_reason for s in result.sequences] == ["length", "length"]
    assert result.prompt_logprobs is not None
    assert math.isnan(float(result.prompt_logprobs[0]))
    status, info = await wire.json("GET", f"/api/v1/samplers/{sampler}")
    assert info == {"sampler_id": sampler, "base_model": "Qwen/Qwen3-8B"}


async def test_sample_json_result_and_server_defaults(wire: LocalWire) -> None:
    """A JSON-era request (no tags, empty params) is answered in the JSON-era shape."""
    session = await wire.session()
    sampler = await _sampler(wire, session, base_model="m", model_path=None)
    body = {
        "num_samples": 1,
        "prompt": {"chunks": [{"tokens": [72, 105]}]},
        "sampling_params": {"max_tokens": 3},
        "sampling_session_id": sampler,
        "seq_id": 0,
        "prompt_logprobs": True,
        "topk_prompt_logprobs": 2,
    }
    _, reply = await wire.json("POST", "/api/v1/asample", body)
    result = await wire.result_json(reply["request_id"])
    assert result["type"] == "sample"
    assert result["prompt_logprobs"][0] is None
    assert isinstance(result["prompt_logprobs"][1], float)
    assert result["topk_prompt_logprobs"][0] is None
    assert len(result["topk_prompt_logprobs"][1]) == 2
    assert all(len(pair) == 2 for pair in result["topk_prompt_logprobs"][1])
    assert set(result["sequences"][0]) == {"stop_reason", "tokens", "logprobs"}


async def test_same_seed_gives_same_tokens_and_stop_strings_stop(wire: LocalWire) -> None:
    """Seeded sampling is reproducible; a stop list of every byte stops after one token."""
    session = await wire.session()
    sampler = await _sampler(wire, session, base_model="m")
    runs = []
    for seq in (1, 2):
        body = {**_sample_body(sampler), "seq_id": seq}
        _, reply = await wire.json("POST", "/api/v1/asample", body)
        runs.append((await wire.result_json(reply["request_id"]))["sequences"])
    assert runs[0] == runs[1]
    body = {**_sample_body(sampler, stop=list(range(258)), max_tokens=5), "seq_id": 3}
    _, reply = await wire.json("POST", "/api/v1/asample", body)
    sequences = (await wire.result_json(reply["request_id"]))["sequences"]
    assert [(len(s["tokens"]), s["stop_reason"]) for s in sequences] == [(1, "stop")] * 2


async def test_training_weights_path_cannot_be_sampled(wire: LocalWire) -> None:
    """A weights/ path for sampling is refused with 400 pointing at save_weights_for_sampler."""
    session = await wire.session()
    model = await wire.model(session)
    _, r = await wire.json("POST", "/api/v1/save_weights", {"model_id": model, "path": "w"})
    path = (await wire.result_json(r["request_id"]))["path"]
    status, body = await wire.json(
        "POST",
        "/api/v1/create_sampling_session",
        {"session_id": session, "sampling_session_seq_id": 1, "model_path": path},
    )
    assert status == 400
    assert "save_weights_for_sampler" in body["detail"]


async def test_sampler_weights_named_and_ephemeral(wire: LocalWire) -> None:
    """Named sampler checkpoints load into sampling sessions; ephemeral saves make samplers."""
    session = await wire.session()
    model = await wire.model(session)
    body = {"model_id": model, "path": "s1", "seq_id": 1}
    _, r = await wire.json("POST", "/api/v1/save_weights_for_sampler", body)
    named = await wire.result_json(r["request_id"])
    assert named == {
        "path": f"tinker://{model}/sampler_weights/s1",
        "type": "save_weights_for_sampler",
    }
    sampler = await _sampler(wire, session, model_path=named["path"])
    body = {"model_id": model, "sampling_session_seq_id": 1, "seq_id": 2}
    _, r = await wire.json("POST", "/api/v1/save_weights_for_sampler", body)
    ephemeral = await wire.result_json(r["request_id"])
    assert ephemeral["sampling_session_id"] == f"{session}:sample:1"
    outputs = []
    for sid in (sampler, ephemeral["sampling_session_id"]):
        _, reply = await wire.json("POST", "/api/v1/asample", _sample_body(sid))
        outputs.append((await wire.result_json(reply["request_id"]))["sequences"])
    assert outputs[0] == outputs[1]
    _, info = await wire.json("GET", f"/api/v1/sessions/{session}")
    assert info["sampler_ids"] == [sampler, ephemeral["sampling_session_id"]]


async def test_join_sampling_session_counts_clients(wire: LocalWire) -> None:
    """Each join gets the next client counter."""
    session = await wire.session()
    sampler = await _sampler(wire, session, base_model="m")
    counters = []
    for _ in range(2):
        _, r = await wire.json(
            "POST", "/api/v1/join_sampling_session", {"sampling_session_id": sampler}
        )
        counters.append(r["client_counter"])
    assert counters == [1, 2]


async def test_unsupported_chunks_are_refused(wire: LocalWire) -> None:
    """Image chunks cannot be fed to the byte model: 400."""
    session = await wire.session()
    sampler = await _sampler(wire, session, base_model="m")
    body = _sample_body(sampler)
    body["prompt"] = {"chunks": [{"data": "iVBORw==", "format": "png", "expected_tokens": 4}]}
    status, raw = await wire.json("POST", "/api/v1/asample", body)
    assert status == 400
    assert "image" in msgspec.json.encode(raw).decode()


async def test_unseeded_samples_follow_the_backend_seed(tmp_path: Path) -> None:
    """Two backends with the same seed give the same unseeded samples; another seed differs."""
    outputs: list[object] = []
    for seed in (5, 5, 6):
        backend = LocalBackend(tmp_path / str(len(outputs)), clock=FakeClock(), seed=seed)
        wire = LocalWire(backend)
        session = await wire.session()
        body = {"session_id": session, "sampling_session_seq_id": 0, "base_model": "m"}
        _, reply = await wire.json("POST", "/api/v1/create_sampling_session", body)
        sample = _sample_body(reply["sampling_session_id"], max_tokens=8)
        sample["sampling_params"] = {"max_tokens": 8}
        _, submitted = await wire.json("POST", "/api/v1/asample", sample)
        outputs.append((await wire.result_json(submitted["request_id"]))["sequences"])
        await backend.aclose()
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


async def test_retrieve_futures_reports_completions_after_the_cursor(wire: LocalWire) -> None:
    """retrieve_futures lists finished samples of a clone after prev_cursor, with sizes."""
    session = await wire.session()
    sampler = await _sampler(wire, session, base_model="m")
    target = {"type": "sampling_session", "sampling_session_id": sampler, "cloned_sampler_id": 0}
    poll = {"target": target, "prev_cursor": 0, "timeout": 0, "retrieved_request_ids": []}
    assert (await wire.json("POST", "/api/v1/retrieve_futures", poll))[1] == {
        "completions": [],
        "cursor": 0,
    }
    ids = []
    for seq in (0, 1, 1_000_000_000):
        _, reply = await wire.json(
            "POST", "/api/v1/asample", {**_sample_body(sampler), "seq_id": seq}
        )
        ids.append(reply["request_id"])
    for request_id in ids:
        await wire.result(request_id)
    _, first = await wire.json("POST", "/api/v1/retrieve_futures", {**poll, "timeout": None})
    assert sorted(c["request_id"] for c in first["completions"]) == sorted(ids[:2])
    assert all(c["state"] == "finished" for c in first["completions"])
    assert all(c["response_payload_uncompressed_size"] > 0 for c in first["completions"])
    assert first["cursor"] == 2
    _, again = await wire.json("POST", "/api/v1/retrieve_futures", {**poll, "prev_cursor": 2})
    assert again == {"completions": [], "cursor": 2}
    clone = {**poll, "target": {**target, "cloned_sampler_id": 1}}
    _, cloned = await wire.json("POST", "/api/v1/retrieve_futures", clone)
    assert [c["request_id"] for c in cloned["completions"]] == [ids[2]]
