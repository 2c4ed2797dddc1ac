"""Unloading a run's model, and copying weights into the session's project."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex import types
from tinkex.errors import ClosedError, ValidationError

if TYPE_CHECKING:
    from pathlib import Path


def _datum() -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
    )


async def test_unload_runs_after_earlier_work_and_closes_the_client(tmp_path: Path) -> None:
    """A forward_backward queued before the unload completes; requests after it are refused."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        earlier = training.forward_backward([_datum()], "cross_entropy")
        unloaded = training.unload_model()
        assert "loss:sum" in (await earlier).metrics
        assert (await unloaded).model_id == training.model_id
        with pytest.raises(ClosedError, match="unloaded"):
            training.forward_backward([_datum()], "cross_entropy")


async def test_copy_weights_needs_a_project(tmp_path: Path) -> None:
    """Without a project anywhere, copy_weights fails before sending; with one it copies."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False, env={}
    ) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        saved = await training.save_state("source")
        with pytest.raises(ValidationError, match="project"):
            await service.copy_weights(saved.path)
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False, project_id="proj-1", env={}
    ) as service:
        copied = await service.copy_weights(saved.path)
        assert copied.startswith("tinker://")
        assert copied != saved.path
