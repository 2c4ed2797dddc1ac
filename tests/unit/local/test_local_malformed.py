"""Junk in any field of any endpoint's body gets a 4xx, never a 500, and the backend serves on.

Each case takes one valid request and replaces a single value (at any depth) with a hostile
one: wrong types, huge or negative numbers, lone surrogates, path traversal, deep nesting.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from local_wire import LocalWire

from tinkex.adapters.clock import FakeClock
from tinkex.local import BackendConfig, LocalBackend

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

JUNK: list[object] = [
    None,
    -1,
    10**30,
    -(10**30),
    "\udcff",
    [],
    {},
    1.5,
    True,
    [1, "a"],
    {"a": [1]},
    1e308,
    -1e308,
    "tinker://../weights/x",
    "a" * 300,
    [[[[[[1]]]]]],
]


def _paths(value: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        items: list[tuple[str | int, object]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return
    for key, item in items:
        yield (*prefix, key)
        yield from _paths(item, (*prefix, key))


def _replaced(body: dict[str, Any], path: tuple[str | int, ...], junk: object) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    target: Any = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk
    return copied


def _templates(session: str, model: str, sampler: str) -> dict[str, dict[str, Any]]:
    prompt = {"chunks": [{"type": "encoded_text", "tokens": [1, 2]}]}
    tensor = {"data": [1, 2], "dtype": "int64", "shape": [2]}
    datum = {
        "model_input": prompt,
        "loss_fn_inputs": {
            "target_tokens": tensor,
            "weights": {"data": [1, 1], "dtype": "float32"},
        },
    }
    return {
        "/api/v1/asample": {
            "sampling_session_id": sampler,
            "prompt": prompt,
            "num_samples": 1,
            "sampling_params": {"max_tokens": 2, "stop": ["a"], "top_p": 1.0, "seed": 1},
            "seq_id": 1,
            "topk_prompt_logprobs": 0,
            "prompt_logprobs_last_n": None,
        },
        "/api/v1/stream_sample": {"sampling_session_id": sampler, "prompt": prompt},
        "/api/v1/optim_step": {
            "model_id": model,
            "seq_id": 1,
            "adam_params": {"learning_rate": 1e-3, "beta1": 0.9},
        },
        "/api/v1/forward": {
            "model_id": model,
            "seq_id": 1,
            "forward_input": {"data": [datum], "loss_fn": "cross_entropy", "loss_fn_config": None},
        },
        "/api/v1/create_model": {
            "session_id": session,
            "model_seq_id": 3,
            "base_model": "m",
            "lora_config": {"rank": 2, "seed": 1},
            "user_metadata": {"a": "b"},
        },
        "/api/v1/load_weights": {"model_id": model, "path": "tinker://r/weights/a", "seq_id": 2},
        "/api/v1/save_weights": {
            "model_id": model,
            "path": "a",
            "seq_id": 2,
            "ttl_seconds": 3600,
            "user_metadata": {"a": "b"},
        },
        "/api/v1/save_weights_for_sampler": {"model_id": model, "sampling_session_seq_id": 5},
        "/api/v1/create_session": {
            "tags": ["a"],
            "user_metadata": {"a": "b"},
            "sdk_version": "x",
            "display_name": "d",
        },
        "/api/v1/session_heartbeat": {"session_id": session},
        "/api/v1/retrieve_future": {"request_id": "req-x", "allow_metadata_only": True},
        "/api/v1/retrieve_futures": {"sampling_session_id": sampler, "cursor": 0, "timeout": 0},
        "/api/v1/sessions/search": {"limit": 10, "statuses": [{"type": "active"}]},
        "/api/v1/weights_info": {"tinker_path": "tinker://r/weights/a"},
        "/api/v1/copy_weights": {"source_path": "tinker://r/weights/a", "ttl_seconds": 3600},
        "/api/v1/telemetry": {"events": [{"a": 1}], "session_id": session},
        "/api/v1/create_sampling_session": {
            "session_id": session,
            "sampling_session_seq_id": 9,
            "base_model": "m",
        },
        "/api/v1/create_custom_loss": {"session_id": session, "custom_loss_seq_id": 1},
    }


async def test_junk_in_any_field_never_gets_a_server_error(tmp_path: Path) -> None:
    config = BackendConfig(session_ttl_s=None, poll_timeout_s=0.1)
    backend = LocalBackend(tmp_path, clock=FakeClock(), config=config, null_model=True)
    wire = LocalWire(backend)
    session = await wire.session()
    model = await wire.model(session)
    body = {"session_id": session, "sampling_session_seq_id": 0, "base_model": "m"}
    _, created = await wire.json("POST", "/api/v1/create_sampling_session", body)
    sampler = created["sampling_session_id"]
    server_errors = []
    cases = 0
    for endpoint, template in _templates(session, model, sampler).items():
        for path in list(_paths(template)):
            for junk in JUNK:
                # json.dumps writes a lone surrogate as the \udcff escape, as an attacker would.
                raw = json.dumps(_replaced(template, path, junk)).encode()
                status, _, answer = await wire.call(
                    "POST", endpoint, raw, headers={"Content-Type": "application/json"}
                )
                cases += 1
                if status >= 500:
                    server_errors.append((endpoint, path, junk, status, answer[:200]))
    assert cases > 1500
    assert server_errors == []
    assert (await wire.call("GET", "/api/v1/healthz"))[0] == 200
    await backend.aclose()
