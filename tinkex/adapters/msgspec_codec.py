"""MsgspecJsonCodec: the JSON `Codec`, one msgspec encoder and one cached decoder per type."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
import msgspec.json
import numpy as np

from tinkex.config import Secret
from tinkex.domain.text_checks import unencodable_path
from tinkex.errors import DecodeError, ValidationError

__all__ = ["MsgspecJsonCodec", "encode_hook"]

T = TypeVar("T")

# msgspec ends validation messages with " - at `$.a.b[0]`"; the path is kept on DecodeError.
_PATH_RE = re.compile(r" - at `(\$[^`]*)`\Z")


def encode_hook(obj: Any) -> Any:
    """Encode what msgspec does not know: numpy values; a `Secret` as its redacted text."""
    # numpy values reach the codec from TensorData and user code; msgspec does not know them.
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    # A Secret is never written out in clear, even when a whole config is encoded.
    if isinstance(obj, Secret):
        return str(obj)
    raise TypeError(f"cannot encode objects of type {type(obj).__name__}")


class MsgspecJsonCodec:
    """Encode and decode ``application/json`` with msgspec.

    Encoding: `None` fields are written as given (request Structs omit what they want omitted
    through ``omit_defaults``/``UNSET``); numpy arrays and scalars become lists and numbers.
    Decoding: one `msgspec.json.Decoder` per target type, built on first use. An empty body
    decodes as ``{}``, so endpoints that answer with nothing still yield a Struct whose fields
    all have defaults.
    """

    def __init__(self) -> None:
        self._encoder = msgspec.json.Encoder(enc_hook=encode_hook)
        self._decoders: dict[Any, msgspec.json.Decoder[Any]] = {}

    @property
    def media_type(self) -> str:
        """``application/json``."""
        return "application/json"

    def encode(self, obj: object, /) -> bytes:
        """Serialize one object to JSON.

        Raises:
            ValidationError: The object holds a value JSON cannot represent (a lone surrogate
                in a string among them).
        """
        try:
            return self._encoder.encode(obj)
        except UnicodeEncodeError as exc:
            where = unencodable_path(obj)
            raise ValidationError(
                "cannot encode request body: a string holds a lone surrogate, which is not "
                "valid Unicode text",
                field=where[2:] if where and where.startswith("$.") else where,
            ) from exc
        except (TypeError, msgspec.EncodeError, OverflowError) as exc:
            raise ValidationError(f"cannot encode request body: {exc}") from exc

    def decode(self, data: bytes, type_: type[T], /) -> T:
        """Deserialize JSON into `type_`.

        Raises:
            DecodeError: The body is not JSON or does not match `type_`; `path` names the
                first mismatching location (``$.a.b[0]``) when msgspec reports one.
        """
        decoder = self._decoders.get(type_)
        if decoder is None:
            decoder = self._decoders[type_] = msgspec.json.Decoder(type_)
        if not data or data.isspace():
            data = b"{}"
        try:
            result: T = decoder.decode(data)
        except msgspec.DecodeError as exc:
            message = str(exc)
            match = _PATH_RE.search(message)
            name = getattr(type_, "__name__", repr(type_))
            raise DecodeError(
                f"response did not match {name}: {message}",
                path=match.group(1) if match else None,
            ) from exc
        return result
