"""The conformance scenario, written against the OFFICIAL tinker SDK only (0.25 and 0.38).

Run by an interpreter that has ``tinker`` installed: ``python official_scenario.py BASE_URL``.
Prints one JSON object: the scenario's results (the keys ``tinkex_scenario.py`` returns too),
the SDK version, every warning (``warnings`` module or ``logging`` WARNING+) it raised, and
every response that fails the SDK's own pydantic validation.
Nothing here may import tinkex: this is the client nobody on the team wrote.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import sys
import warnings
from typing import Any

TEXT = b"the quick brown fox jumps over the lazy dog. "
STEPS = 20
API_KEY = "tml-conformance"
CAPTURED: list[str] = []
INVALID: list[str] = []


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        CAPTURED.append(f"log {record.name} {record.levelname}: {record.getMessage()}")


def _valid(value: Any) -> Any:
    """Re-validate a response model strictly; note every failure in `INVALID`.

    The SDK builds response models without validation (``construct``), so a wrongly typed
    field from the server would otherwise pass unnoticed.
    """
    validate = getattr(type(value), "model_validate", None)
    if validate is not None:
        try:
            validate(value.model_dump())
        except Exception as exc:  # noqa: BLE001 - any failure is a finding to report
            INVALID.append(f"{type(value).__name__}: {exc}")
    return value


def _get(future: Any) -> Any:
    """The future's result, re-validated (see `_valid`)."""
    return _valid(future.result())


def _done(value: Any) -> Any:
    """Wait for a future; pass a client through (0.25 returns some clients directly)."""
    result = getattr(value, "result", None)
    return result() if callable(result) else value


def _datums(types: Any) -> list[Any]:
    tokens = list(TEXT)
    short = tokens[:12]
    return [
        types.Datum(
            model_input=types.ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
        ),
        types.Datum(
            model_input=types.ModelInput.from_ints(short[:-1]),
            loss_fn_inputs={"target_tokens": short[1:], "weights": [1.0] * (len(short) - 1)},
        ),
    ]


def _is_datum(types: Any) -> Any:
    tokens = list(TEXT[:16])
    count = len(tokens) - 1
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": tokens[1:],
            "logprobs": [-5.5] * count,
            "advantages": [0.5 if i % 2 else -0.25 for i in range(count)],
        },
    )


def _checkpoint(checkpoint: Any) -> dict[str, Any]:
    return {
        "id": checkpoint.checkpoint_id,
        "type": str(checkpoint.checkpoint_type),
        "path": checkpoint.tinker_path,
        "public": checkpoint.public,
        "expires": checkpoint.expires_at is not None,
    }


def _rest_client(tinker: Any, service: Any, url: str) -> Any:
    """0.38 builds a RestClient directly (create_rest_client is deprecated); 0.25 cannot."""
    standalone = getattr(tinker, "RestClient", None)
    if standalone is not None and "base_url" in inspect.signature(standalone).parameters:
        return standalone(base_url=url, api_key=API_KEY)
    return service.create_rest_client()


def run(url: str) -> dict[str, Any]:
    """Run the whole scenario and return its results."""
    # Imported by name, so type checkers of the tinkex tree need not have the SDK installed.
    tinker = importlib.import_module("tinker")
    types = importlib.import_module("tinker.types")

    out: dict[str, Any] = {"sdk_version": tinker.__version__}
    service = tinker.ServiceClient(base_url=url, api_key=API_KEY)
    rest = _rest_client(tinker, service, url)
    caps = (
        _get(rest.get_server_capabilities())
        if hasattr(rest, "get_server_capabilities")
        else _valid(service.get_server_capabilities())
    )
    out["capabilities"] = sorted(m.model_name for m in caps.supported_models)
    training = _done(
        service.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=4, seed=3)
    )
    _valid(training.get_info())
    out["model_id"] = training.model_id
    data = _datums(types)
    out["forward_loss"] = _get(training.forward(data, "cross_entropy")).metrics["loss:sum"]
    losses = []
    for _ in range(STEPS):
        step = training.forward_backward(data, "cross_entropy")
        optim = training.optim_step(types.AdamParams(learning_rate=2e-2))
        losses.append(_get(step).metrics["loss:sum"])
        _get(optim)
    out["losses"] = losses
    sampling_loss = _get(training.forward_backward([_is_datum(types)], "importance_sampling"))
    out["is_loss"] = sampling_loss.metrics["loss:sum"]
    out["is_logprobs"] = list(sampling_loss.loss_fn_outputs[0]["logprobs"].data)
    _get(training.optim_step(types.AdamParams(learning_rate=1e-3)))
    state = _get(training.save_state("conf-state"))
    out["state_path"] = state.path
    out["trained_loss"] = _get(training.forward(data, "cross_entropy")).metrics["loss:sum"]
    restored = _done(service.create_training_client_from_state_with_optimizer(state.path))
    out["restored_model_id"] = restored.model_id
    out["restored_loss"] = _get(restored.forward(data, "cross_entropy")).metrics["loss:sum"]
    out["sampler_path"] = _get(training.save_weights_for_sampler("conf-sampler")).path
    sampler = _done(training.save_weights_and_get_sampling_client())
    prompt = types.ModelInput.from_ints(list(TEXT[:10]))
    sample = _get(
        sampler.sample(
            prompt=prompt,
            num_samples=2,
            sampling_params=types.SamplingParams(max_tokens=8, seed=11, temperature=1.0),
            include_prompt_logprobs=True,
            topk_prompt_logprobs=2,
        )
    )
    out["sample_tokens"] = [list(s.tokens) for s in sample.sequences]
    out["sample_logprobs"] = [list(s.logprobs or []) for s in sample.sequences]
    out["prompt_logprobs"] = list(sample.prompt_logprobs or [])
    out["topk_prompt_logprobs"] = [
        None if row is None else [[t, lp] for t, lp in row]
        for row in sample.topk_prompt_logprobs or []
    ]
    out["compute_logprobs"] = list(_get(sampler.compute_logprobs(prompt)))
    runs = _get(rest.list_training_runs())
    out["runs"] = sorted(r.training_run_id for r in runs.training_runs)
    out["runs_total"] = runs.cursor.total_count
    run_info = _get(rest.get_training_run(training.model_id))
    out["run"] = {"id": run_info.training_run_id, "rank": run_info.lora_rank}
    listed = _get(rest.list_checkpoints(training.model_id))
    out["checkpoints"] = sorted((_checkpoint(c) for c in listed.checkpoints), key=str)
    info = _get(rest.get_weights_info_by_tinker_path(state.path))
    out["weights_info"] = {"base_model": info.base_model, "rank": info.lora_rank}
    _get(rest.publish_checkpoint_from_tinker_path(out["sampler_path"]))
    out["published"] = [
        c.public for c in _get(rest.list_checkpoints(training.model_id)).checkpoints
    ]
    _get(rest.unpublish_checkpoint_from_tinker_path(out["sampler_path"]))
    _get(rest.set_checkpoint_ttl_from_tinker_path(state.path, 86400))
    _get(rest.delete_checkpoint_from_tinker_path(out["sampler_path"]))
    after = _get(rest.list_checkpoints(training.model_id))
    out["checkpoints_after"] = sorted((_checkpoint(c) for c in after.checkpoints), key=str)
    sessions = _get(rest.list_sessions())
    out["sessions"] = list(sessions.sessions)
    session = _get(rest.get_session(sessions.sessions[0]))
    out["session"] = {
        "runs": sorted(session.training_run_ids),
        "samplers": sorted(session.sampler_ids),
    }
    sampler_id = sampler._sampling_session_id  # no public getter in 0.25
    got = _get(rest.get_sampler(sampler_id))
    out["sampler"] = {"id": got.sampler_id, "base_model": got.base_model}
    if hasattr(service, "close"):  # 0.25 has no close: its session simply stops heartbeating
        _get(service.close("success"))
    return out


def main() -> int:
    """Run the scenario with every warning captured, print the JSON result."""
    logging.getLogger().addHandler(_Capture(level=logging.WARNING))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run(sys.argv[1])
    out["invalid_responses"] = INVALID
    out["warnings"] = CAPTURED + [f"{w.category.__name__}: {w.message}" for w in caught]
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
