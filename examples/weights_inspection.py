"""Training runs, checkpoints and weights metadata: everything REST says about saved weights.

Tinkex ``weights_inspection.exs``: runs (with corrupted flag and last checkpoints), weights info
behind a path (with optional rank check), the run behind a path, the sampler behind a session.
Env: TINKER_EXPECTED_RANK (optional).
"""

from __future__ import annotations

import asyncio
import os

from _common import parser, service_client, text_datum

from tinkex import types


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    rank = 8
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=rank)
        tokenizer = training.get_tokenizer()
        await training.train_step(
            [text_datum(tokenizer, "inspect me")], "cross_entropy", types.AdamParams()
        )
        state = await training.save_state("inspected")
        sampler_weights = await training.save_weights_for_sampler("inspected-sampler")
        assert state.path is not None
        assert sampler_weights.path is not None
        rest = service.create_rest_client()

        runs = await rest.list_training_runs(limit=10, access_scope="accessible")
        for run in runs.training_runs:
            last = run.last_checkpoint.tinker_path if run.last_checkpoint else None
            print(
                f"run {run.training_run_id}: base={run.base_model} lora_rank={run.lora_rank} "
                f"corrupted={run.corrupted} owner={run.model_owner} last_checkpoint={last}"
            )

        info = await rest.get_weights_info_by_tinker_path(state.path)
        print(
            f"weights {state.path}: base={info.base_model} is_lora={info.is_lora} "
            f"rank={info.lora_rank} train_attn={info.train_attn} train_mlp={info.train_mlp} "
            f"train_unembed={info.train_unembed}"
        )
        expected = int(os.environ.get("TINKER_EXPECTED_RANK", rank))
        print(f"rank check: expected {expected}, got {info.lora_rank}")

        owner = await rest.get_training_run_by_tinker_path(sampler_weights.path)
        print(f"{sampler_weights.path} belongs to {owner.training_run_id}")

        sampler = await service.create_sampling_client(model_path=sampler_weights.path)
        described = await rest.get_sampler(sampler.sampling_session_id)
        print(
            f"sampler {described.sampler_id}: base={described.base_model} "
            f"weights={described.model_path}"
        )
    return 0 if info.lora_rank == expected else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
