"""Public-API usage, checked by mypy --strict (and run): the names users import type-check.

If a public signature changes shape, mypy fails on this file before users notice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import tinkex
from tinkex import types
from tinkex.errors import RequestFailedError, TinkexError, ValidationError

if TYPE_CHECKING:
    from pathlib import Path


async def test_a_typed_training_and_sampling_round_trip(tmp_path: Path) -> None:
    """The README's flow, with every intermediate value annotated with its public type."""
    service: tinkex.ServiceClient
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        training: tinkex.TrainingClient = await service.create_lora_training_client(
            "tinkex/tiny-byte-lm", rank=4
        )
        datum = types.Datum(
            model_input=types.ModelInput.from_ints([1, 2, 3, 4]),
            loss_fn_inputs={
                "target_tokens": np.array([2, 3, 4, 5]),
                "weights": types.TensorData.from_numpy(np.ones(4, dtype=np.float32)),
            },
        )
        pending: tinkex.APIFuture[types.ForwardBackwardOutput] = training.forward_backward(
            [datum], "cross_entropy"
        )
        optim: tinkex.APIFuture[types.OptimStepResponse] = training.optim_step(
            types.AdamParams(learning_rate=1e-3)
        )
        output: types.ForwardBackwardOutput = await pending
        await optim
        logprobs: np.ndarray = output.loss_fn_outputs[0]["logprobs"].to_numpy()
        assert logprobs.shape == (4,)
        sampler: tinkex.SamplingClient = await training.save_weights_and_get_sampling_client()
        response: types.SampleResponse = await sampler.sample(
            types.ModelInput.from_ints([1, 2]), 1, types.SamplingParams(max_tokens=3, seed=1)
        )
        tokens: np.ndarray = response.sequences[0].tokens_np
        assert tokens.dtype == np.int32
        rest: tinkex.RestClient = service.create_rest_client()
        runs: types.TrainingRunsResponse = await rest.list_training_runs()
        assert runs.training_runs


def test_the_error_tree_is_importable_and_typed() -> None:
    """Users catch typed errors; field names are part of the surface."""
    error: TinkexError = ValidationError("bad", field="data[0]")
    assert isinstance(error, ValueError)
    failed = RequestFailedError("failed", request_id="r-1")
    assert failed.request_id == "r-1"
