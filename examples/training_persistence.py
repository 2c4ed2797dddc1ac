"""Saving and restoring training state with the optimizer: save_state, load_state_with_optimizer,
and create_training_client_from_state_with_optimizer.

Tinkex ``training_persistence_live.exs``. The restored run continues exactly where the
original stands: the next step's loss matches.
"""

from __future__ import annotations

import asyncio

from _common import parser, service_client, text_datum

from tinkex import types


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    adam = types.AdamParams(learning_rate=1e-2)
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8, seed=1)
        tokenizer = training.get_tokenizer()
        data = [text_datum(tokenizer, "persistence pays off")]
        for _ in range(2):
            await training.train_step(data, "cross_entropy", adam)
        saved = await training.save_state("persisted", ttl_seconds=86_400)
        assert saved.path is not None
        print(f"save_state -> {saved.path}")

        loaded = await training.load_state_with_optimizer(saved.path)
        print(f"load_state_with_optimizer -> {loaded}")

        restored = await service.create_training_client_from_state_with_optimizer(saved.path)
        print(f"restored run {restored.model_id} from {saved.path}")
        original, _ = await training.train_step(data, "cross_entropy", adam)
        resumed, _ = await restored.train_step(data, "cross_entropy", adam)
        a, b = original.metrics["loss:sum"], resumed.metrics["loss:sum"]
        print(f"next step loss: original {a:.6f}  restored {b:.6f}")
    return 0 if abs(a - b) < 1e-4 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
