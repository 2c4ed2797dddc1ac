"""`Datum` conversion: user values in ``loss_fn_inputs`` become `TensorData` at construction.

Lists, numpy arrays and torch tensors are accepted and converted under the per-key dtype rules
of `tinkex.domain.tensors` (``target_tokens`` int64, ``weights``/``advantages``/... float32; a
plain list under an unknown key is an error), so a bad value fails where it was written, with a
`ValidationError` naming the key, and never on the wire. A C-contiguous float32 or int64 array
is kept as it is (the `TensorData` views the caller's array); nothing becomes a Python list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast

import msgspec

from tinkex.domain.tensors import as_loss_input_array

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import numpy.typing as npt

    from tinkex.domain.types import ModelInput, ProvenanceSpan, TensorData

__all__ = [
    "DatumMixin",
    "LossFnInput",
    "NumberLists",
    "NumericArray",
    "TorchTensor",
]


class TorchTensor(Protocol):
    """What `Datum` uses of a ``torch.Tensor`` (typed this way so torch stays optional)."""

    def detach(self) -> Any:
        """The tensor without its autograd graph."""
        ...

    def numpy(self) -> Any:
        """The tensor's values as a numpy array."""
        ...


# Strings: the generated TensorData cannot be imported here at run time (it imports us).
NumericArray: TypeAlias = "npt.NDArray[np.signedinteger[Any] | np.floating[Any]]"
"""A numpy array of signed integers (sent as int64) or floats (sent as float32)."""
NumberLists: TypeAlias = "Sequence[float] | Sequence[Sequence[float]]"
"""Plain numbers, flat or 2-D (lists or tuples); only under keys with a known dtype."""
LossFnInput: TypeAlias = "TensorData | NumericArray | TorchTensor | NumberLists"
"""One value of ``Datum(loss_fn_inputs=...)``; it is stored as a `TensorData`."""


class DatumMixin:
    """Normalises ``loss_fn_inputs`` of `Datum` on construction (and on decode)."""

    __slots__ = ()

    if TYPE_CHECKING:
        loss_fn_inputs: dict[str, Any]
        model_input: ModelInput
        model_input_spans: list[ProvenanceSpan] | None
        loss_fn_input_spans: list[ProvenanceSpan] | None

    def __post_init__(self) -> None:
        from tinkex.domain.types import TensorData

        inputs: dict[str, Any] = self.loss_fn_inputs
        # Any Mapping is accepted; what is stored (and encoded) is always a dict.
        if type(inputs) is dict and all(isinstance(v, TensorData) for v in inputs.values()):
            return
        converted = {key: _tensor(TensorData, key, value) for key, value in inputs.items()}
        msgspec.structs.force_setattr(cast("msgspec.Struct", self), "loss_fn_inputs", converted)


def _tensor(tensor_type: type[TensorData], key: str, value: object) -> TensorData:
    if isinstance(value, tensor_type):
        return value
    if isinstance(value, dict):  # a decoded JSON TensorData
        return msgspec.convert(value, tensor_type)
    return tensor_type.from_numpy(as_loss_input_array(key, value, field=f"loss_fn_inputs[{key!r}]"))
