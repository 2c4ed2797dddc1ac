"""The public types that used to be `Any` or a bare `str`, checked by mypy --strict (and run).

``Datum.loss_fn_inputs`` reads as TensorData (whatever it was built from), ``to_numpy`` is an
int64 or float32 array, and ``loss_fn`` is a built-in name or an explicit `LossFnName`: a
misspelt loss is a type error (the ``type: ignore`` below would be reported as unused if it
were not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_type

import numpy as np
import numpy.typing as npt
import pytest

import tinkex
from tinkex import types
from tinkex.errors import TinkexError

if TYPE_CHECKING:
    from pathlib import Path


def _datum() -> types.Datum:
    targets: list[int] = [2, 3, 4]
    weights = np.ones(3, dtype=np.float32)
    return types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": targets, "weights": weights},
    )


def test_loss_fn_inputs_read_back_as_tensor_data_and_arrays() -> None:
    """Lists and arrays go in; TensorData comes out, and to_numpy gives a typed array."""
    datum = _datum()
    assert_type(datum.loss_fn_inputs, dict[str, types.TensorData])
    targets = datum.loss_fn_inputs["target_tokens"].to_numpy()
    assert_type(targets, npt.NDArray[np.int64 | np.float32])
    assert targets.dtype == np.int64
    assert datum.loss_fn_inputs["weights"].to_numpy().dtype == np.float32


def test_inputs_built_ahead_are_annotated_with_loss_fn_input() -> None:
    """A dict of mixed arrays built before the Datum is typed with `types.LossFnInput`."""
    inputs: dict[str, types.LossFnInput] = {
        "target_tokens": np.arange(3, dtype=np.int64),
        "weights": np.ones(3, dtype=np.float32),
    }
    datum = types.Datum(model_input=types.ModelInput.from_ints([1, 2, 3]), loss_fn_inputs=inputs)
    assert sorted(datum.loss_fn_inputs) == ["target_tokens", "weights"]


async def test_loss_names_are_checked_and_the_escape_hatch_is_explicit(tmp_path: Path) -> None:
    """Built-in names and LossFnName pass; a misspelt name is refused by mypy (and the server)."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        builtin: types.LossFnType = "cross_entropy"
        await training.forward_backward([_datum()], builtin)
        await training.forward_backward([_datum()], types.LossFnName("cross_entropy"))
        with pytest.raises(TinkexError):
            await training.forward_backward([_datum()], "cross_entrpy")  # type: ignore[arg-type]
