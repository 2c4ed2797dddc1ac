"""List runs and checkpoints with the official SDK's RestClient, then tidy one up.

A training run saves two checkpoints first, so there is something to list.
"""

import json

import tinker

BASE_MODEL = "Qwen/Qwen3-8B"


def main():
    service_client = tinker.ServiceClient()
    training_client = service_client.create_lora_training_client(
        base_model=BASE_MODEL, rank=4
    ).result()
    run_id = training_client.model_id
    state = training_client.save_state("listing-state").result()
    sampler = training_client.save_weights_for_sampler("listing-sampler").result()

    rest_client = tinker.RestClient()
    runs = rest_client.list_training_runs(limit=50).result()
    run_ids = [run.training_run_id for run in runs.training_runs]
    assert run_id in run_ids, run_ids
    for run in runs.training_runs:
        print(run.training_run_id, run.base_model, "lora" if run.is_lora else "full")

    run = rest_client.get_training_run(run_id).result()
    assert run.base_model == BASE_MODEL
    by_path = rest_client.get_training_run_by_tinker_path(state.path).result()
    assert by_path.training_run_id == run_id

    checkpoints = rest_client.list_checkpoints(run_id).result().checkpoints
    paths = sorted(checkpoint.tinker_path for checkpoint in checkpoints)
    assert paths == sorted([state.path, sampler.path]), paths
    for checkpoint in checkpoints:
        print(checkpoint.checkpoint_type, checkpoint.tinker_path)

    weights = rest_client.get_weights_info_by_tinker_path(state.path).result()
    assert weights.base_model == BASE_MODEL

    rest_client.delete_checkpoint_from_tinker_path(sampler.path).result()
    remaining = rest_client.list_checkpoints(run_id).result().checkpoints
    assert [c.tinker_path for c in remaining] == [state.path]

    mine = rest_client.list_user_checkpoints(limit=100).result().checkpoints
    assert state.path in [c.tinker_path for c in mine]

    service_client.close("success").result()
    print(json.dumps({"runs": len(run_ids), "checkpoints": paths, "left": len(remaining)}))


if __name__ == "__main__":
    main()
