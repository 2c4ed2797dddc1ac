"""The conformance scenario through tinkex: the same calls, in the same order, as the official
SDK script (``scripts/official_scenario.py``), returning the same JSON-shaped results."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tinkex.types import AdamParams, Datum, ModelInput, SamplingParams

if TYPE_CHECKING:
    from tinkex import ServiceClient
    from tinkex.types import Checkpoint

TEXT = b"the quick brown fox jumps over the lazy dog. "
STEPS = 20
API_KEY = "tml-conformance"


def scenario_datums() -> list[Datum]:
    """The two cross-entropy examples of the scenario."""
    tokens = list(TEXT)
    short = tokens[:12]
    return [
        Datum(
            model_input=ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
        ),
        Datum(
            model_input=ModelInput.from_ints(short[:-1]),
            loss_fn_inputs={"target_tokens": short[1:], "weights": [1.0] * (len(short) - 1)},
        ),
    ]


def importance_sampling_datum() -> Datum:
    """The importance-sampling example of the scenario."""
    tokens = list(TEXT[:16])
    count = len(tokens) - 1
    return Datum(
        model_input=ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": tokens[1:],
            "logprobs": [-5.5] * count,
            "advantages": [0.5 if i % 2 else -0.25 for i in range(count)],
        },
    )


def _checkpoint(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "id": checkpoint.checkpoint_id,
        "type": str(checkpoint.checkpoint_type),
        "path": checkpoint.tinker_path,
        "public": checkpoint.public,
        "expires": checkpoint.expires_at is not None,
    }


async def run_tinkex_scenario(service: ServiceClient) -> dict[str, Any]:
    """Run the scenario on `service` (closing its session at the end); JSON-shaped results."""
    try:
        out = await _scenario(service)
    finally:
        if not service.closed:  # a failure midway: still release the session's resources
            await service.close()
    # One JSON round trip, so results compare equal to the official script's printed JSON.
    result: dict[str, Any] = json.loads(json.dumps(out))
    return result


async def _scenario(service: ServiceClient) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rest = service.create_rest_client()
    caps = await rest.get_server_capabilities()
    out["capabilities"] = sorted(m.model_name for m in caps.supported_models)
    training = await service.create_lora_training_client("Qwen/Qwen3-8B", rank=4, seed=3)
    out["model_id"] = training.model_id
    data = scenario_datums()
    out["forward_loss"] = (await training.forward(data, "cross_entropy")).metrics["loss:sum"]
    losses = []
    for _ in range(STEPS):
        step = training.forward_backward(data, "cross_entropy")
        optim = training.optim_step(AdamParams(learning_rate=2e-2))
        losses.append((await step).metrics["loss:sum"])
        await optim
    out["losses"] = losses
    is_out = await training.forward_backward([importance_sampling_datum()], "importance_sampling")
    out["is_loss"] = is_out.metrics["loss:sum"]
    out["is_logprobs"] = is_out.loss_fn_outputs[0]["logprobs"].tolist()
    await training.optim_step(AdamParams(learning_rate=1e-3))
    state = await training.save_state("conf-state")
    out["state_path"] = state.path
    out["trained_loss"] = (await training.forward(data, "cross_entropy")).metrics["loss:sum"]
    restored = await service.create_training_client_from_state_with_optimizer(state.path)
    out["restored_model_id"] = restored.model_id
    out["restored_loss"] = (await restored.forward(data, "cross_entropy")).metrics["loss:sum"]
    out["sampler_path"] = (await training.save_weights_for_sampler("conf-sampler")).path
    sampler = await training.save_weights_and_get_sampling_client()
    prompt = ModelInput.from_ints(list(TEXT[:10]))
    sample = await sampler.sample(
        prompt,
        num_samples=2,
        sampling_params=SamplingParams(max_tokens=8, seed=11, temperature=1.0),
        include_prompt_logprobs=True,
        topk_prompt_logprobs=2,
    )
    out["sample_tokens"] = [list(s.tokens) for s in sample.sequences]
    out["sample_logprobs"] = [list(s.logprobs or []) for s in sample.sequences]
    out["prompt_logprobs"] = list(sample.prompt_logprobs or [])
    out["topk_prompt_logprobs"] = [
        None if row is None else [[t, lp] for t, lp in row]
        for row in sample.topk_prompt_logprobs or []
    ]
    out["compute_logprobs"] = list(await sampler.compute_logprobs(prompt))
    runs = await rest.list_training_runs()
    out["runs"] = sorted(r.training_run_id for r in runs.training_runs)
    out["runs_total"] = runs.cursor.total_count
    run_info = await rest.get_training_run(training.model_id)
    out["run"] = {"id": run_info.training_run_id, "rank": run_info.lora_rank}
    listed = await rest.list_checkpoints(training.model_id)
    out["checkpoints"] = sorted((_checkpoint(c) for c in listed.checkpoints), key=str)
    info = await rest.get_weights_info_by_tinker_path(state.path)
    out["weights_info"] = {"base_model": info.base_model, "rank": info.lora_rank}
    await rest.publish_checkpoint_from_tinker_path(out["sampler_path"])
    published = await rest.list_checkpoints(training.model_id)
    out["published"] = [c.public for c in published.checkpoints]
    await rest.unpublish_checkpoint_from_tinker_path(out["sampler_path"])
    await rest.set_checkpoint_ttl_from_tinker_path(state.path, 86400)
    await rest.delete_checkpoint_from_tinker_path(out["sampler_path"])
    after = await rest.list_checkpoints(training.model_id)
    out["checkpoints_after"] = sorted((_checkpoint(c) for c in after.checkpoints), key=str)
    sessions = await rest.list_sessions()
    out["sessions"] = list(sessions.sessions)
    session = await rest.get_session(sessions.sessions[0])
    out["session"] = {
        "runs": sorted(session.training_run_ids),
        "samplers": sorted(session.sampler_ids),
    }
    got = await rest.get_sampler(sampler.sampling_session_id)
    out["sampler"] = {"id": got.sampler_id, "base_model": got.base_model}
    await service.close()
    return out
