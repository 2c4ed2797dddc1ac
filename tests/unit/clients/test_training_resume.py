"""Save and resume through the SDK: optimizer state really comes back (bit for bit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from training_fixtures import batch, recorded_service, tiny_training

from tinkex.domain.types import AdamParams, Datum, ForwardBackwardOutput

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.clients.training import TrainingClient

ADAM = AdamParams(learning_rate=2e-2)
STEPS = [batch(4, offset=17 * step) for step in range(6)]
PROBE = batch(3, length=8, offset=5)


async def _train(training: TrainingClient, steps: list[list[Datum]]) -> None:
    for data in steps:
        await training.train_step(data, "cross_entropy", ADAM)


def _logprobs(output: ForwardBackwardOutput) -> list[np.ndarray]:
    return [o["logprobs"].to_numpy() for o in output.loss_fn_outputs]


def _identical(a: ForwardBackwardOutput, b: ForwardBackwardOutput) -> bool:
    same_loss = a.metrics["loss:sum"] == b.metrics["loss:sum"]
    pairs = zip(_logprobs(a), _logprobs(b), strict=True)
    return same_loss and all(np.array_equal(x, y) for x, y in pairs)


async def test_resume_with_optimizer_is_bit_identical_and_weights_only_is_not(
    tmp_path: Path,
) -> None:
    async with recorded_service(tmp_path) as (service, _):
        original = await tiny_training(service, rank=4, seed=3)
        await _train(original, STEPS[:3])
        saved = (await original.save_state("mid")).path
        await _train(original, STEPS[3:])
        uninterrupted = await original.forward(PROBE, "cross_entropy")

        with_optimizer = await service.create_training_client_from_state_with_optimizer(saved)
        await _train(with_optimizer, STEPS[3:])
        resumed = await with_optimizer.forward(PROBE, "cross_entropy")

        weights_only = await service.create_training_client_from_state(saved)
        await _train(weights_only, STEPS[3:])
        cold = await weights_only.forward(PROBE, "cross_entropy")

        # The same, loaded in place into a fresh run of the same shape.
        in_place = await tiny_training(service, rank=4, seed=99)
        await in_place.load_state_with_optimizer(saved)
        await _train(in_place, STEPS[3:])
        reloaded = await in_place.forward(PROBE, "cross_entropy")

    assert with_optimizer.model_id != original.model_id
    assert _identical(uninterrupted, resumed)
    assert _identical(uninterrupted, reloaded)
    assert not _identical(uninterrupted, cold)
    assert cold.metrics["loss:sum"] != uninterrupted.metrics["loss:sum"]


async def test_weights_only_resume_starts_from_the_saved_weights(tmp_path: Path) -> None:
    async with recorded_service(tmp_path) as (service, _):
        original = await tiny_training(service, rank=4, seed=1)
        await _train(original, STEPS[:2])
        at_save = await original.forward(PROBE, "cross_entropy")
        saved = (await original.save_state("w")).path
        await _train(original, STEPS[2:3])  # moves on after the save
        resumed = await service.create_training_client_from_state(saved)
        assert _identical(at_save, await resumed.forward(PROBE, "cross_entropy"))
        fresh = await tiny_training(service, rank=4, seed=7)
        await fresh.load_state(saved)
        assert _identical(at_save, await fresh.forward(PROBE, "cross_entropy"))
