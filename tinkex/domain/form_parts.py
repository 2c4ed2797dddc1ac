"""How a request object becomes ``multipart/form-data`` parts (manifest ``body: multipart``).

`form_parts` takes what a generated endpoint function hands the invoker: a request Struct (or
a mapping, or ready-made `Part`s). Its ``bytes`` fields become file parts named after the
field (``application/octet-stream``); every other field becomes text: nested mappings and
lists flattened to bracket keys (``metadata[source]``, repeated ``tags[]``), None to an empty
string, booleans to ``true``/``false``. Text fields come first, then files, each in
declaration order. Unset fields are left out, as they are from a JSON body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from tinkex.errors import ConfigError, ValidationError
from tinkex.ports.multipart import MultipartBody, Part

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tinkex.ports.endpoint import EndpointSpec
    from tinkex.ports.multipart import MultipartEncoder

__all__ = [
    "MULTIPART_BODY",
    "MULTIPART_MEDIA_TYPE",
    "encode_form",
    "form_parts",
    "serialize_form_fields",
]

MULTIPART_BODY = "multipart"
"""The manifest body kind encoded by the `MultipartEncoder` port instead of a codec."""
MULTIPART_MEDIA_TYPE = "multipart/form-data"

_FILE_TYPE = "application/octet-stream"
_BINARY = (bytes, bytearray, memoryview)


def _scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flatten(key: str, value: object, out: list[tuple[str, str]]) -> None:
    if isinstance(value, Mapping):
        for sub, item in value.items():
            _flatten(f"{key}[{sub}]", item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            _flatten(f"{key}[]", item, out)
    else:
        out.append((key, _scalar(value)))


def serialize_form_fields(fields: Mapping[str, object]) -> list[tuple[str, str]]:
    """Flatten nested form fields to ``(bracket key, text)`` pairs, in order.

    Example: ``{"m": {"a": 1}, "t": ["x", "y"], "n": None}`` gives
    ``[("m[a]", "1"), ("t[]", "x"), ("t[]", "y"), ("n", "")]``.
    """
    out: list[tuple[str, str]] = []
    for key, value in fields.items():
        _flatten(str(key), value, out)
    return out


def form_parts(body: object) -> list[Part]:
    """The parts of a multipart request body, in the order they are sent.

    Args:
        body: A request Struct, a mapping of field names to values, or a list of `Part`s
            (sent as they are).

    Raises:
        ValidationError: `body` is none of those (``field="body"``).
    """
    if isinstance(body, list | tuple) and all(isinstance(part, Part) for part in body):
        return list(body)
    if isinstance(body, msgspec.Struct):
        text = msgspec.to_builtins(body)  # renames, tags and omitted defaults, as on the wire
        if not isinstance(text, dict):
            raise ValidationError("an array-like Struct has no field names to send", field="body")
        files = [
            (field.encode_name, getattr(body, field.name))
            for field in msgspec.structs.fields(body)
            if isinstance(getattr(body, field.name), _BINARY) and field.encode_name in text
        ]
    elif isinstance(body, Mapping):
        files = [(str(k), v) for k, v in body.items() if isinstance(v, _BINARY)]
        text = msgspec.to_builtins({k: v for k, v in body.items() if not isinstance(v, _BINARY)})
    else:
        raise ValidationError(
            f"a multipart body is a Struct, a mapping or a list of Parts, not "
            f"{type(body).__name__}",
            field="body",
        )
    names = {name for name, _ in files}
    fields = {key: value for key, value in text.items() if key not in names}
    return [*_text_parts(serialize_form_fields(fields)), *_file_parts(files)]


def _text_parts(pairs: Iterable[tuple[str, str]]) -> list[Part]:
    return [Part(name=key, data=value.encode("utf-8")) for key, value in pairs]


def _file_parts(files: Iterable[tuple[str, object]]) -> list[Part]:
    return [
        Part(name=name, data=bytes(data), filename=name, content_type=_FILE_TYPE)
        for name, data in files
        if isinstance(data, _BINARY)
    ]


def encode_form(
    encoder: MultipartEncoder | None, endpoint: EndpointSpec, body: object
) -> MultipartBody:
    """Encode `body` for an endpoint whose manifest body is ``multipart``.

    A `MultipartBody` (encoded by the caller) is sent as it is; anything else goes through
    `form_parts` and the encoder, which draws a fresh boundary for each body.

    Raises:
        ConfigError: The endpoint's body kind has no codec and is not ``multipart``, or no
            multipart encoder is configured.
        ValidationError: The body cannot be sent as a form (see `form_parts`), or a field
            name cannot be written safely.
    """
    if endpoint.request_codec != MULTIPART_BODY or encoder is None:
        raise ConfigError(f"no {endpoint.request_codec!r} codec for {endpoint.name}")
    if isinstance(body, MultipartBody):
        return body
    return encoder.encode(form_parts(body))
