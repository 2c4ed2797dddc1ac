"""Recovery end to end on the embedded backend: a corrupted run restored from its checkpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

import tinkex
from tinkex import types
from tinkex.adapters.clock import FakeClock
from tinkex.recovery import (
    RecoveryEvent,
    RecoveryExecutor,
    RecoveryMonitor,
    RecoveryPolicy,
    TrainingClientFactory,
    TrainingRunSource,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.clients.rest import RestClient


class CorruptingRest:
    """The real RestClient, reporting the runs in `corrupted` as corrupted."""

    def __init__(self, rest: RestClient) -> None:
        self._rest = rest
        self.corrupted: set[str] = set()

    async def get_training_run(self, training_run_id: str) -> types.TrainingRun:
        run = await self._rest.get_training_run(training_run_id)
        if training_run_id in self.corrupted:
            return msgspec.structs.replace(run, corrupted=True)
        return run


def _datum(tokens: list[int]) -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


async def test_corrupted_run_is_restored_with_weights_and_optimizer(tmp_path: Path) -> None:
    """The monitor sees corrupted: true, and the new run continues exactly where the old stood."""
    clock = FakeClock()
    events: list[RecoveryEvent] = []
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=4, seed=0)
        data = [_datum(training.get_tokenizer().encode("recover me", add_bos=True))]
        adam = types.AdamParams(learning_rate=1e-2)
        await training.train_step(data, "cross_entropy", adam)
        saved = await training.save_state("checkpoint")
        await training.train_step(data, "cross_entropy", adam)  # diverges from the checkpoint

        rest = CorruptingRest(service.create_rest_client())
        source: TrainingRunSource = rest
        factory: TrainingClientFactory[tinkex.TrainingClient] = service
        executor: RecoveryExecutor[tinkex.TrainingClient] = RecoveryExecutor(
            clock=clock, listeners=[events.append]
        )
        policy = RecoveryPolicy(enabled=True)
        async with RecoveryMonitor(source, executor, policy, clock=clock) as monitor:
            monitor.monitor_run(training.model_id, factory)
            assert await monitor.poll_once() == []
            rest.corrupted.add(training.model_id)
            assert await monitor.poll_once() == [training.model_id]
            (result,) = await monitor.wait_recoveries()
        assert result is not None
        assert result.checkpoint_path == saved.path
        restored = result.client
        assert restored.model_id != training.model_id

        # Restored from the checkpoint (with Adam state): same loss as one step after it.
        again = await service.create_training_client_from_state_with_optimizer(str(saved.path))
        expected, _ = await again.train_step(data, "cross_entropy", adam)
        actual, _ = await restored.train_step(data, "cross_entropy", adam)
        assert actual.metrics["loss:sum"] == expected.metrics["loss:sum"]
    assert [e.name for e in events][-1] == "recovery.completed"
