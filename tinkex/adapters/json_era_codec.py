"""`JsonEraCodec`: request bodies as the JSON-era SDK (0.16.1) writes them.

A server without ``/client/config`` predates the 0.38 wire: it is the server SDK 0.16.1 talks
to (`docs/conformance.md` lists what still differs from that SDK's requests). Its SDK
never sends a ``type`` tag, knows fewer fields, and writes some optional fields as ``null``.
The manifest's ``service.json_era.requests`` says which (generated into
`tinkex.domain.service_spec.JSON_ERA_REQUESTS`); this codec applies it on top of the ordinary
JSON encoding:

* every tagged struct loses its tag (at any depth: chunks, requests);
* a listed type keeps the fields the JSON era knows; any other field is left out when it asks
  for nothing (None, False or its default) and refused with `UnsupportedByServerError`
  otherwise (a JSON-era server would ignore or reject it, and the caller would not know);
* fields listed under ``send_null`` are written as ``null`` when None.

Defaults of parameter objects (``AdamParams``, ``SamplingParams``) are still written: the
JSON-era server applies the same values to a field left out, so the request means the same
thing.
Decoding is the inner codec's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec, encode_hook
from tinkex.domain.service_spec import JSON_ERA_REQUESTS
from tinkex.errors import UnsupportedByServerError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["JsonEraCodec"]

T = TypeVar("T")
Rules = tuple[frozenset[str], frozenset[str]]


class JsonEraCodec:
    """The JSON codec of a JSON-era server.

    Args:
        inner: The JSON codec doing the encoding and all decoding.
        rules: Per type name, (fields the era knows, fields it sends as null).
    """

    def __init__(
        self, inner: MsgspecJsonCodec, rules: Mapping[str, Rules] = JSON_ERA_REQUESTS
    ) -> None:
        self._inner = inner
        self._rules = rules

    @property
    def media_type(self) -> str:
        """``application/json``."""
        return self._inner.media_type

    def encode(self, obj: object, /) -> bytes:
        """Serialize `obj` the JSON-era way.

        Raises:
            UnsupportedByServerError: A field the JSON era does not know asks for something.
            ValidationError: The object holds a value JSON cannot represent.
        """
        if isinstance(obj, bytes | dict):  # prepared bodies (telemetry batches) pass as they are
            return self._inner.encode(obj)
        try:
            plain = msgspec.to_builtins(obj, enc_hook=encode_hook)
        except (TypeError, msgspec.EncodeError, OverflowError) as exc:
            raise ValidationError(f"cannot encode request body: {exc}") from exc
        return self._inner.encode(self._rewrite(obj, plain))

    def decode(self, data: bytes, type_: type[T], /) -> T:
        """The inner codec's decoding."""
        return self._inner.decode(data, type_)

    def _rewrite(self, obj: object, plain: Any) -> Any:
        if isinstance(obj, msgspec.Struct) and isinstance(plain, dict):
            return self._struct(obj, plain)
        if isinstance(obj, list | tuple) and isinstance(plain, list) and len(obj) == len(plain):
            return [self._rewrite(item, out) for item, out in zip(obj, plain, strict=True)]
        if isinstance(obj, dict) and isinstance(plain, dict):
            return {key: self._rewrite(obj.get(key), value) for key, value in plain.items()}
        return plain

    def _struct(self, obj: msgspec.Struct, plain: dict[str, Any]) -> dict[str, Any]:
        cls = type(obj)
        tag_field = cls.__struct_config__.tag_field
        if tag_field is not None:
            plain.pop(tag_field, None)
        rules = self._rules.get(cls.__name__)
        out: dict[str, Any] = {}
        for field in msgspec.structs.fields(cls):
            value = getattr(obj, field.name)
            if rules is not None and field.name not in rules[0]:
                if not _asks_nothing(value, field):
                    raise UnsupportedByServerError(
                        f"{cls.__name__}.{field.name} is not supported by this server (it "
                        "speaks the JSON-era wire, without client/config); leave it unset"
                    )
                continue
            if field.encode_name in plain:
                out[field.encode_name] = self._rewrite(value, plain[field.encode_name])
            elif rules is not None and value is None and field.name in rules[1]:
                out[field.encode_name] = None
        return out


def _asks_nothing(value: object, field: msgspec.structs.FieldInfo) -> bool:
    if value is None or value is msgspec.UNSET or value is False:
        return True
    if field.default is not msgspec.NODEFAULT:
        return bool(value == field.default)
    if field.default_factory is not msgspec.NODEFAULT:
        return bool(value == field.default_factory())
    return False
