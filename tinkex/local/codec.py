"""Lenient JSON request parsing for both SDK eras, and JSON shapes of tensors.

0.38-era clients send ``type`` tags, omit ``None`` fields and send every default; JSON-era
clients send no tags, explicit ``null``s and omit defaults. Both are read through `Fields`,
which treats a missing key and a ``null`` alike, applies the server defaults and ignores keys
it does not know. Malformed input raises `HttpError` 422 naming the field.
"""

from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING

import msgspec
import numpy as np

from tinkex.domain.limits import MAX_JSON_BODY_BYTES, MAX_JSON_DEPTH
from tinkex.local.bodies import too_large
from tinkex.local.checks import check_token_ids
from tinkex.local.reply import HttpError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "Fields",
    "decode_json",
    "parse_chunk_tokens",
    "parse_model_input",
    "parse_tensor",
    "tensor_json",
]

_DECODER = msgspec.json.Decoder()
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_CONTAINERS = (dict, list)
_DTYPES = {"int64": np.int64, "float32": np.float32, "int32": np.int32, "bfloat16": np.float32}
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# What each wire dtype can hold, as [low, high) for integers and [low, high] for floats; a
# JSON number outside is refused rather than wrapped or turned into inf.
_RANGES = {
    "int64": (-(2.0**63), 2.0**63),
    "int32": (-(2.0**31), 2.0**31),
    "float32": (-_FLOAT32_MAX, _FLOAT32_MAX),
    "bfloat16": (-_FLOAT32_MAX, _FLOAT32_MAX),
}


def decode_json(body: bytes) -> dict[str, object]:
    """Decode a JSON object body; an empty body counts as ``{}``.

    Raises:
        HttpError: 400 when the body is not JSON or nests deeper than ``MAX_JSON_DEPTH``,
            413 when it is larger than ``MAX_JSON_BODY_BYTES``, 422 when not an object.
    """
    if len(body) > MAX_JSON_BODY_BYTES:
        raise too_large(f"a JSON body of {len(body)} bytes", MAX_JSON_BODY_BYTES)
    if not body.strip():
        return {}
    try:
        value = _DECODER.decode(body)
    except RecursionError as exc:
        raise _too_deep() from exc
    except msgspec.DecodeError as exc:
        raise HttpError(400, f"request body is not valid JSON: {exc}") from exc
    # Fewer opening brackets than the limit cannot nest deeper than it: skip the walk.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _nests_deeper(value):
        raise _too_deep()
    if not isinstance(value, dict):
        raise HttpError(422, "request body must be a JSON object")
    return value


def _too_deep() -> HttpError:
    return HttpError(400, f"request body nests JSON deeper than the limit of {MAX_JSON_DEPTH}")


def _nests_deeper(value: object) -> bool:
    # Iterative, so that checking the depth cannot itself exhaust the stack.
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        stack.extend((child, depth + 1) for child in children if type(child) in _CONTAINERS)
    return False


class Fields:
    """Typed, lenient access to one JSON object of a request.

    Args:
        obj: The decoded object.
        where: Dotted location used in error messages (``body``, ``body.lora_config``...).
    """

    def __init__(self, obj: object, where: str = "body") -> None:
        if not isinstance(obj, dict):
            raise HttpError(422, f"{where}: expected an object")
        self.raw: dict[str, object] = obj
        self.where = where

    def _bad(self, key: str, expected: str) -> HttpError:
        return HttpError(422, f"{self.where}.{key}: expected {expected}")

    def has(self, key: str) -> bool:
        """True when the key is present with a non-null value."""
        return self.raw.get(key) is not None

    def req_str(self, key: str) -> str:
        """A required string."""
        value = self.opt_str(key)
        if value is None:
            raise HttpError(422, f"{self.where}.{key}: field required")
        return value

    def opt_str(self, key: str, default: str | None = None) -> str | None:
        """An optional string (missing or null gives `default`)."""
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def req_int(self, key: str, default: int | None = None) -> int:
        """An integer; required unless a default is given."""
        value = self.opt_int(key)
        if value is None:
            if default is None:
                raise HttpError(422, f"{self.where}.{key}: field required")
            return default
        return value

    def opt_int(self, key: str) -> int | None:
        """An optional integer."""
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(key, "an integer")
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise HttpError(
                400,
                f"{self.where}.{key}: {value} is outside the int64 range "
                f"[{_INT64_MIN}, {_INT64_MAX}]",
            )
        return value

    def num(self, key: str, default: float) -> float:
        """A finite number with a default."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(key, "a number")
        if not math.isfinite(value):
            raise self._bad(key, "a finite number")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        """A boolean with a default."""
        value = self.raw.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._bad(key, "a boolean")
        return value

    def sub(self, key: str) -> Fields | None:
        """A nested object, or None when missing or null."""
        value = self.raw.get(key)
        if value is None:
            return None
        return Fields(value, f"{self.where}.{key}")

    def items(self, key: str) -> list[object]:
        """A list (missing or null gives ``[]``)."""
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._bad(key, "a list")
        return value

    def mapping(self, key: str) -> dict[str, object] | None:
        """A free-form object (user metadata...), or None."""
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._bad(key, "an object")
        return value


def parse_chunk_tokens(chunk: Fields) -> list[int]:
    """Return the tokens of one ModelInput chunk, inferring its kind when untagged.

    Raises:
        HttpError: 422 for malformed chunks; 400 for image/dmel chunks, which the local byte
            model cannot consume.
    """
    kind = chunk.opt_str("type")
    if kind is None:
        if "tokens" in chunk.raw:
            kind = "encoded_text"
        elif "location" in chunk.raw:
            kind = "image_asset_pointer"
        elif "data" in chunk.raw:
            kind = "image"
        elif "dmel" in chunk.raw:
            kind = "dmel"
    if kind != "encoded_text":
        raise HttpError(
            400, f"{chunk.where}: chunk type {kind!r} is not supported by the local model"
        )
    tokens = chunk.items("tokens")
    if not all(isinstance(t, int) and not isinstance(t, bool) for t in tokens):
        raise HttpError(422, f"{chunk.where}.tokens: expected a list of integers")
    ids = [int(t) for t in tokens]  # type: ignore[call-overload]  # checked just above
    check_token_ids(ids, f"{chunk.where}.tokens")
    return ids


def parse_model_input(obj: Fields | None, where: str) -> np.ndarray:
    """Concatenate the tokens of a ModelInput object into an int64 array."""
    if obj is None:
        raise HttpError(422, f"{where}: field required")
    tokens: list[int] = []
    for i, chunk in enumerate(obj.items("chunks")):
        tokens.extend(parse_chunk_tokens(Fields(chunk, f"{obj.where}.chunks[{i}]")))
    return np.asarray(tokens, dtype=np.int64)


def parse_tensor(obj: Fields, max_elements: int | None = None) -> np.ndarray:
    """Decode a JSON TensorData (flat ``data``, ``dtype``, optional ``shape`` / sparse CSR).

    Args:
        obj: The tensor object.
        max_elements: Most elements the (dense) result may have; a sparse tensor declaring a
            larger shape is refused before anything is allocated.

    Raises:
        HttpError: 422 for malformed tensors, 400 over `max_elements`.
    """
    name = obj.opt_str("dtype") or ""
    dtype = _DTYPES.get(name)
    if dtype is None:
        raise HttpError(422, f"{obj.where}.dtype: expected 'int64' or 'float32'")
    data = obj.items("data")
    if isinstance(obj.raw.get("data"), str):  # base64 bytes (never sent by the SDKs, but harmless)
        try:
            raw = base64.b64decode(str(obj.raw["data"]), validate=True)
            flat = np.frombuffer(raw, dtype=dtype).copy()
        except ValueError as exc:
            raise HttpError(422, f"{obj.where}.data: invalid base64 array ({exc})") from exc
    else:
        flat = _numbers(data, name, obj.where)
    shape = _shape(obj) if obj.has("shape") else None
    size = math.prod(shape) if shape is not None else flat.size
    if max_elements is not None and size > max_elements:
        raise HttpError(
            400, f"{obj.where}: {size} elements exceed the limit of {max_elements} per request"
        )
    crow, col = obj.items("sparse_crow_indices"), obj.items("sparse_col_indices")
    if crow:
        if shape is None or len(shape) != 2:
            raise HttpError(422, f"{obj.where}.shape: sparse tensors need a 2-D shape")
        try:
            rows = np.asarray(crow, dtype=np.int64)
            cols = np.asarray(col, dtype=np.int64)
            dense = np.zeros(shape, dtype=dtype)
            for r in range(shape[0]):
                dense[r, cols[rows[r] : rows[r + 1]]] = flat[rows[r] : rows[r + 1]]
        except (TypeError, ValueError, OverflowError, IndexError) as exc:
            raise HttpError(422, f"{obj.where}: inconsistent sparse CSR indices") from exc
        return dense
    if shape is not None:
        try:
            return flat.reshape(shape)
        except ValueError as exc:
            raise HttpError(422, f"{obj.where}.shape: does not match the data length") from exc
    return flat


def _numbers(data: list[object], dtype: str, where: str) -> np.ndarray:
    """A flat list of JSON numbers as `dtype`, refusing what the dtype cannot hold."""
    try:
        wide = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise HttpError(422, f"{where}.data: expected a flat list of numbers") from exc
    if wide.ndim != 1 or not np.isfinite(wide).all():
        raise HttpError(422, f"{where}.data: expected a flat list of finite numbers")
    low, high = _RANGES[dtype]
    if wide.size == 0:
        return wide.astype(_DTYPES[dtype])
    too_high = wide.max() >= high if dtype.startswith("int") else wide.max() > high
    if wide.min() < low or too_high:
        raise HttpError(422, f"{where}.data: a value is out of the {dtype} range")
    return wide.astype(_DTYPES[dtype])


def _shape(obj: Fields) -> list[int]:
    dims = obj.items("shape")
    shape = [d for d in dims if type(d) is int and 0 <= d <= _INT64_MAX]
    if len(shape) != len(dims):
        raise HttpError(422, f"{obj.where}.shape: expected non-negative integers")
    return shape


def tensor_json(array: np.ndarray) -> dict[str, object]:
    """Encode an array as the JSON TensorData results carry: exactly data, dtype and shape."""
    is_int = np.issubdtype(array.dtype, np.integer)
    values = array.astype(np.int64 if is_int else np.float32)
    return {
        "data": values.reshape(-1).tolist(),
        "dtype": "int64" if is_int else "float32",
        "shape": list(values.shape),
    }
