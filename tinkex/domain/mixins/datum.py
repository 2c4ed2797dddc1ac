"""`Datum` conversion: user values in ``loss_fn_inputs`` become `TensorData` at construction.

Lists, numpy arrays and torch tensors are accepted and converted under the per-key dtype rules
of `tinkex.domain.tensors` (``target_tokens`` int64, ``weights``/``advantages``/... float32; a
plain list under an unknown key is an error), so a bad value fails where it was written, with a
`ValidationError` naming the key, and never on the wire. A C-contiguous float32 or int64 array
is kept as it is (the `TensorData` views the caller's array); nothing becomes a Python list.
A ``model_input`` that is not a `ModelInput` and ``loss_fn_inputs`` that is not a dict keyed by
strings are refused here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeAlias, cast

import msgspec
import numpy as np

from tinkex.domain.mixins.model_input import int32_token_array
from tinkex.domain.tensors import as_loss_input_array
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

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
        from tinkex.domain.types import ModelInput, TensorData

        if not isinstance(self.model_input, ModelInput):
            raise ValidationError(
                f"expected a ModelInput, got {type(self.model_input).__name__}",
                field="model_input",
            )
        inputs: object = self.loss_fn_inputs
        # Any Mapping is accepted; what is stored (and encoded) is always a dict.
        if not isinstance(inputs, Mapping):
            raise ValidationError(
                f"must be a dict of str to arrays or TensorData, got {type(inputs).__name__}",
                field="loss_fn_inputs",
            )
        if type(inputs) is dict and all(
            isinstance(v, TensorData) and isinstance(k, str) for k, v in inputs.items()
        ):
            return
        converted = {key: _tensor(TensorData, key, value) for key, value in inputs.items()}
        msgspec.structs.force_setattr(cast("msgspec.Struct", self), "loss_fn_inputs", converted)

    @classmethod
    def from_numpy(cls, tokens: npt.NDArray[np.integer[Any]], /, **loss_fn_inputs: Any) -> Self:
        """A datum from numpy arrays alone: the input token ids and each loss input.

        The numpy-native constructor, e.g. ``Datum.from_numpy(ids[:-1],
        target_tokens=ids[1:], weights=mask)``: `tokens` becomes one int32 text chunk
        (`ModelInput.from_numpy`), and each loss input a `TensorData` in its key's wire dtype
        (``target_tokens`` int64, ``weights``/``advantages``/... float32; other keys keep
        their kind). Arrays already in that dtype and C-contiguous are viewed, not copied,
        so no Python number is created anywhere on the way to the wire.

        Args:
            tokens: The model input's token ids (1-D integers in the int32 id range).
            loss_fn_inputs: Loss inputs by name, each a numpy array (or a `TensorData`).

        Raises:
            ValidationError: `tokens` is not a 1-D integer array of valid ids (``field`` is
                ``tokens``), or a loss input is not a numpy array of a supported dtype
                (``field`` is ``loss_fn_inputs[<key>]``).
        """
        from tinkex.domain.types import ModelInput, TensorData

        model_input = ModelInput(chunks=[_text_chunk(int32_token_array(tokens, "tokens"))])
        inputs: dict[str, TensorData] = {}
        for key, value in loss_fn_inputs.items():
            field = f"loss_fn_inputs[{key!r}]"
            if isinstance(value, TensorData):
                inputs[key] = value
                continue
            if not isinstance(value, np.ndarray):
                raise ValidationError(
                    f"must be a numpy array, got {type(value).__name__} (Datum(...) takes "
                    "lists and tensors)",
                    field=field,
                )
            inputs[key] = TensorData.from_numpy(as_loss_input_array(key, value, field=field))
        return cls(model_input=model_input, loss_fn_inputs=inputs)  # type: ignore[call-arg]


def _text_chunk(tokens: npt.NDArray[np.int32]) -> Any:
    from tinkex.domain.types import EncodedTextChunk

    return EncodedTextChunk(tokens=tokens)


def _tensor(tensor_type: type[TensorData], key: object, value: object) -> TensorData:
    field = f"loss_fn_inputs[{key!r}]"
    if not isinstance(key, str):
        raise ValidationError(f"keys must be strings, got {type(key).__name__}", field=field)
    if isinstance(value, tensor_type):
        return value
    if isinstance(value, dict):  # a decoded JSON TensorData
        try:
            return msgspec.convert(value, tensor_type)
        except (msgspec.MsgspecError, ValueError, TypeError) as exc:  # surrogate keys: ValueError
            raise ValidationError(f"not a TensorData: {exc!r}", field=field) from None
    return tensor_type.from_numpy(as_loss_input_array(key, value, field=field))
