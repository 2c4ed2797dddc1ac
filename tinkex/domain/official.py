"""The official SDK's objects where tinkex types are expected, and tinkex's handed back.

Code written for the official ``tinker`` SDK (cookbook renderers, datasets) builds
``tinker.types.Datum``, ``ModelInput``, ``SamplingParams``... The clients call
`from_official` where they check their input, so those objects are taken as they are:
an object whose class lives in the ``tinker`` package and bears the name of a tinkex input
type is copied field by field into that tinkex type (``tinker`` is never imported for this;
any object that looks the part is accepted). Anything else passes through unchanged, for the
clients' usual checks to judge.

`to_official` goes the other way, for code that must hand objects to the official SDK or to
libraries written against it; it imports ``tinker`` (on first use only).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec
import numpy as np

from tinkex.domain import types as tinkex_types
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "CONVERTED_TYPES",
    "OFFICIAL_PACKAGE",
    "from_official",
    "from_official_list",
    "is_official",
    "to_official",
]

T = TypeVar("T")

OFFICIAL_PACKAGE = "tinker"
"""The official SDK's import name."""
CONVERTED_TYPES = frozenset(
    {
        "AdamOptimizerConfig",
        "AdamParams",
        "Datum",
        "DimuonOptimizerConfig",
        "DimuonParams",
        "DmelChunk",
        "EncodedTextChunk",
        "ImageAssetPointerChunk",
        "ImageChunk",
        "LoraConfig",
        "ModelInput",
        "PromptProvenanceSpan",
        "SampledProvenanceSpan",
        "SamplingParams",
        "TensorData",
    }
)
"""The types converted both ways (the inputs of the clients, and what they are made of)."""

_MISSING = object()


def is_official(value: object) -> bool:
    """True when `value`'s class comes from the official SDK's package."""
    module = getattr(type(value), "__module__", None) or ""
    return module.split(".", 1)[0] == OFFICIAL_PACKAGE


def from_official(value: T, *, where: str = "value") -> T:
    """The tinkex twin of an official SDK object (nested objects too); anything else as is.

    Lists and tuples are converted item by item when they hold official objects (a list of
    official `Datum` becomes a list of tinkex ones).

    Args:
        value: What the caller passed.
        where: How to name `value` in an error (``data[3]``).

    Raises:
        ValidationError: An official object lacks a field its tinkex twin requires.
    """
    return cast("T", _from(value, where))


def _from(value: object, where: str) -> object:
    if isinstance(value, list | tuple):
        for item in value:  # a plain loop: no generator per call on the sampling hot path
            if is_official(item):
                break
        else:
            return value
        items = [_from(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if not is_official(value):
        return value
    name = type(value).__name__
    if name not in CONVERTED_TYPES:
        return value
    converter = _SPECIAL.get(name, _fields)
    return converter(value, getattr(tinkex_types, name), where)


def _read(value: object, field: str, where: str, *, required: bool) -> Any:
    found = getattr(value, field, _MISSING)
    if found is _MISSING and required:
        raise ValidationError(
            f"the official {type(value).__name__} has no {field!r}", field=f"{where}.{field}"
        )
    return found


def _fields(value: object, target: type[msgspec.Struct], where: str) -> msgspec.Struct:
    """Copy every field the tinkex type has (converting nested official objects)."""
    given: dict[str, Any] = {}
    for field in msgspec.structs.fields(target):
        required = field.required
        found = _read(value, field.name, where, required=required)
        if found is _MISSING:
            continue
        if isinstance(found, tuple):  # pydantic keeps Sequence inputs as tuples (stop=...)
            found = list(found)
        given[field.name] = _from(found, f"{where}.{field.name}")
    return target(**given)


def _datum(value: object, target: type[msgspec.Struct], where: str) -> msgspec.Struct:
    inputs = _read(value, "loss_fn_inputs", where, required=False)
    inputs = {} if inputs is _MISSING or inputs is None else inputs
    if not isinstance(inputs, Mapping):
        raise ValidationError("must be a mapping", field=f"{where}.loss_fn_inputs")
    spans = {
        key: _from(_read(value, key, where, required=False), f"{where}.{key}")
        for key in ("model_input_spans", "loss_fn_input_spans")
    }
    return target(
        model_input=_from(
            _read(value, "model_input", where, required=True), f"{where}.model_input"
        ),
        loss_fn_inputs={
            key: _from(tensor, f"{where}.loss_fn_inputs[{key!r}]") for key, tensor in inputs.items()
        },
        **{key: (None if span is _MISSING else span) for key, span in spans.items()},
    )


def _model_input(value: object, target: type[msgspec.Struct], where: str) -> msgspec.Struct:
    chunks = _read(value, "chunks", where, required=True)
    return target(chunks=[_from(c, f"{where}.chunks[{i}]") for i, c in enumerate(chunks)])


def _text_chunk(value: object, target: type[msgspec.Struct], where: str) -> msgspec.Struct:
    tokens = _read(value, "tokens", where, required=True)
    return target(tokens=tokens if isinstance(tokens, np.ndarray) else list(tokens))


def _tensor(value: object, target: type[msgspec.Struct], where: str) -> msgspec.Struct:
    crow = _read(value, "sparse_crow_indices", where, required=False)
    col = _read(value, "sparse_col_indices", where, required=False)
    sparse = crow not in (None, _MISSING)
    to_numpy = getattr(value, "to_numpy", None)
    if not sparse and callable(to_numpy):
        data: Any = np.asarray(to_numpy()).reshape(-1)  # the dense values, without a list
    else:
        data = list(_read(value, "data", where, required=True))
    shape = _read(value, "shape", where, required=False)
    return target(
        data=data,
        dtype=_read(value, "dtype", where, required=True),
        shape=None if shape in (None, _MISSING) else list(shape),
        sparse_crow_indices=list(crow) if sparse else None,
        sparse_col_indices=None if col in (None, _MISSING) else list(col),
    )


_SPECIAL: dict[str, Callable[[object, Any, str], msgspec.Struct]] = {
    "Datum": _datum,
    "ModelInput": _model_input,
    "EncodedTextChunk": _text_chunk,
    "TensorData": _tensor,
}


def from_official_list(values: Iterable[T], *, where: str) -> list[T]:
    """`from_official` on each item of a batch, refusing a single official object.

    Raises:
        ValidationError: `values` is one official object rather than a list of them.
    """
    if is_official(values):
        raise ValidationError(f"pass a list, not a single {type(values).__name__}", field=where)
    items = list(values)
    if not any(is_official(item) for item in items):
        return items  # the usual case: nothing to convert, nothing to copy
    return [from_official(item, where=f"{where}[{i}]") for i, item in enumerate(items)]


# -- tinkex -> official -------------------------------------------------------------------------


def to_official(value: Any) -> Any:
    """The official SDK's twin of a tinkex object (nested ones, lists and dicts too).

    Only the types of `CONVERTED_TYPES` change; anything else is returned as is.

    Raises:
        ImportError: The official SDK is not installed (``pip install tinker``).
    """
    try:
        official = importlib.import_module(f"{OFFICIAL_PACKAGE}.types")
    except ImportError as exc:
        raise ImportError("to_official needs the official SDK: pip install tinker") from exc
    return _to(value, official)


def _to(value: Any, official: Any) -> Any:
    if isinstance(value, list):
        return [_to(item, official) for item in value]
    if isinstance(value, dict):
        return {key: _to(item, official) for key, item in value.items()}
    name = type(value).__name__
    if not isinstance(value, msgspec.Struct) or name not in CONVERTED_TYPES:
        return value
    if name == "TensorData":
        tensor = cast("tinkex_types.TensorData", value)
        return official.TensorData(
            data=tensor.values,
            dtype=tensor.dtype,
            shape=tensor.shape,
            sparse_crow_indices=tensor.sparse_crow_indices,
            sparse_col_indices=tensor.sparse_col_indices,
        )
    if name == "EncodedTextChunk":
        tokens = cast("tinkex_types.EncodedTextChunk", value).tokens
        listed = tokens.tolist() if isinstance(tokens, np.ndarray) else list(tokens)
        return official.EncodedTextChunk(tokens=listed)
    fields = {field: _to(getattr(value, field), official) for field in value.__struct_fields__}
    return getattr(official, name)(**fields)
