"""Recovery end to end on the embedded backend: train, checkpoint, get reported corrupted,
restore from the last checkpoint with the optimizer, keep training on the new run.

Tinkex ``recovery_live_injected.exs``. The backend never corrupts runs, so the REST answer is
doctored once: a wrapper around the real RestClient reports ``corrupted: true`` (the
`TrainingRunSource` Protocol makes that a three-line class). Everything else is real.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import msgspec
from _common import parser, service_client, text_datum

from tinkex import TrainingClient, types
from tinkex.recovery import (
    RecoveryEvent,
    RecoveryExecutor,
    RecoveryMonitor,
    RecoveryPolicy,
    RecoveryResult,
)

if TYPE_CHECKING:
    from tinkex.clients.rest import RestClient


class CorruptingRest:
    """The real RestClient, except that `corrupted` runs report corrupted: true."""

    def __init__(self, rest: RestClient) -> None:
        self._rest = rest
        self.corrupted: set[str] = set()

    async def get_training_run(self, training_run_id: str) -> types.TrainingRun:
        run = await self._rest.get_training_run(training_run_id)
        if training_run_id in self.corrupted:
            return msgspec.structs.replace(run, corrupted=True)
        return run


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    adam = types.AdamParams(learning_rate=1e-2)
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8, seed=0)
        tokenizer = training.get_tokenizer()
        data = [text_datum(tokenizer, "recover and carry on")]
        await training.train_step(data, "cross_entropy", adam)
        saved = await training.save_state("before-corruption")
        print(f"checkpoint: {saved.path}")

        rest = CorruptingRest(service.create_rest_client())
        done: asyncio.Future[RecoveryResult[TrainingClient]] = (
            asyncio.get_running_loop().create_future()
        )
        policy = RecoveryPolicy(
            enabled=True,
            poll_interval_s=0.05,
            backoff_s=0.05,
            max_backoff_s=0.2,
            max_attempts=5,
            on_recovery=done.set_result,
            on_failure=lambda run_id, exc: done.set_exception(exc),
        )

        def show(event: RecoveryEvent) -> None:
            print(f"  {event.name} {event.checkpoint_path or event.error or ''}")

        executor: RecoveryExecutor[TrainingClient] = RecoveryExecutor(listeners=[show])
        async with RecoveryMonitor(rest, executor, policy, listeners=[show]) as monitor:
            monitor.monitor_run(training.model_id, service)
            rest.corrupted.add(training.model_id)
            result = await asyncio.wait_for(done, timeout=10.0)

        restored = result.client
        print(f"restored {result.run_id} as {restored.model_id} from {result.checkpoint_path}")
        original_next, _ = await training.train_step(data, "cross_entropy", adam)
        restored_next, _ = await restored.train_step(data, "cross_entropy", adam)
        a, b = original_next.metrics["loss:sum"], restored_next.metrics["loss:sum"]
        print(f"next step loss: original {a:.6f}  restored {b:.6f} (same weights and optimizer)")
        again = await restored.save_state("after-recovery")
        print(f"the recovered run saves again: {again.path}")
    return 0 if abs(a - b) < 1e-4 and result.checkpoint_path == saved.path else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
