"""Creating clients concurrently: sampling clients, a LoRA training client, then one from its state.

Tinkex ``async_client_creation.exs``: every factory is a coroutine, so several run at once
with ``asyncio.gather``. Env: TINKER_CHECKPOINT_PATHS (comma-separated sampler paths to open).
"""

from __future__ import annotations

import asyncio
import os
import time

from _common import parser, service_client


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    async with service_client(args) as service:
        paths = [p for p in os.environ.get("TINKER_CHECKPOINT_PATHS", "").split(",") if p]
        started = time.perf_counter()
        if paths:
            samplers = await asyncio.gather(
                *(service.create_sampling_client(model_path=p) for p in paths)
            )
        else:
            samplers = await asyncio.gather(
                *(service.create_sampling_client(base_model=args.base_model) for _ in range(3))
            )
        print(f"{len(samplers)} sampling clients in {time.perf_counter() - started:.2f}s:")
        for sampler in samplers:
            print(f"  {sampler.sampling_session_id}")

        started = time.perf_counter()
        training, extra_sampler = await asyncio.gather(
            service.create_lora_training_client(args.base_model, rank=32),
            service.create_sampling_client(base_model=args.base_model),
        )
        print(
            f"training {training.model_id} + sampler {extra_sampler.sampling_session_id} "
            f"in {time.perf_counter() - started:.2f}s"
        )
        state = await training.save_state("async-state")
        assert state.path is not None
        restored = await service.create_training_client_from_state(state.path)
        info = await restored.get_info()
        print(f"from state {state.path}: {restored.model_id} (rank {info.lora_rank})")
    return 0 if info.lora_rank == 32 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
