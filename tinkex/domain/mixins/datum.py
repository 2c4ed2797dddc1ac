"""`Datum` conversion: user values in ``loss_fn_inputs`` become `TensorData` at construction.

Lists, numpy arrays and torch tensors are accepted and converted under the per-key dtype rules
of `tinkex.domain.tensors` (``target_tokens`` int64, ``weights``/``advantages``/... float32; a
plain list under an unknown key is an error), so a bad value fails where it was written, with a
`ValidationError` naming the key, and never on the wire. A C-contiguous float32 or int64 array
is kept as it is (the `TensorData` views the caller's array); nothing becomes a Python list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import msgspec

from tinkex.domain.tensors import as_loss_input_array

if TYPE_CHECKING:
    from tinkex.domain.types import ModelInput, ProvenanceSpan, TensorData

__all__ = ["DatumMixin"]


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
        if all(isinstance(value, TensorData) for value in inputs.values()):
            return
        converted = {key: _tensor(TensorData, key, value) for key, value in inputs.items()}
        msgspec.structs.force_setattr(cast("msgspec.Struct", self), "loss_fn_inputs", converted)


def _tensor(tensor_type: type[TensorData], key: str, value: object) -> TensorData:
    if isinstance(value, tensor_type):
        return value
    if isinstance(value, dict):  # a decoded JSON TensorData
        return msgspec.convert(value, tensor_type)
    return tensor_type.from_numpy(as_loss_input_array(key, value, field=f"loss_fn_inputs[{key!r}]"))
