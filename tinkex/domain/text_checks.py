"""Checks that text can go on the wire: UTF-8 must be able to encode it.

A Python string may hold a lone surrogate (U+DCFF, say, from ``os.fsdecode`` or a broken
decoder) that no encoder can write as UTF-8: JSON, protobuf and URLs all fail on it. These
checks find such strings before a request is built and name where they are.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tinkex.errors import ValidationError

__all__ = [
    "not_encodable",
    "require_str_map",
    "require_text",
    "short_repr",
    "unencodable_path",
]


def require_text(value: object, field: str, *, allow_empty: bool = False) -> str:
    """Return `value` if it is a string that UTF-8 can encode (no lone surrogates).

    Raises:
        ValidationError: Not a string, empty (unless allowed), or not encodable.
    """
    if not isinstance(value, str):
        raise ValidationError(f"must be a string, got {type(value).__name__}", field=field)
    if not value and not allow_empty:
        raise ValidationError("must be a non-empty string", field=field)
    bad = not_encodable(value)  # the common (ASCII) case costs one scan and no copy
    if bad is not None:
        raise ValidationError(
            f"cannot be sent: character {bad} is not valid Unicode text "
            f"({value[bad]!r}, a lone surrogate)",
            field=field,
        )
    return value


def require_str_map(value: object, field: str) -> dict[str, str] | None:
    """Return `value` if it is None or a dict of sendable strings to sendable strings.

    Raises:
        ValidationError: Otherwise; ``field`` names the offending key.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(f"must be a dict of strings, got {type(value).__name__}", field=field)
    for key, item in value.items():
        require_text(key, f"{field} key {short_repr(key)}")
        require_text(item, f"{field}[{key!r}]", allow_empty=True)
    return value


def unencodable_path(value: object, path: str = "$") -> str | None:
    """The path (``$.a.b[0]``) of the first string in `value` that UTF-8 cannot encode.

    For error messages only (it walks the whole value): an encoder that failed on a lone
    surrogate says where it was. Structs are read field by field, dicts by key (a bad key is
    reported at the dict's path), lists and tuples by index.
    """
    if isinstance(value, str):
        return None if not_encodable(value) is None else path
    if isinstance(value, msgspec.Struct):
        fields = msgspec.structs.fields(value)
        items: Any = ((field.encode_name, getattr(value, field.name)) for field in fields)
    elif isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and not_encodable(key) is not None:
                return path
        items = value.items()
    elif isinstance(value, list | tuple):
        items = ((f"[{i}]", item) for i, item in enumerate(value))
    else:
        return None
    for key, item in items:
        found = unencodable_path(item, f"{path}{key}" if key.startswith("[") else f"{path}.{key}")
        if found is not None:
            return found
    return None


def not_encodable(text: str) -> int | None:
    """The index of the first character of `text` UTF-8 cannot encode, or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def short_repr(value: object) -> str:
    """A repr of `value` short enough for an error message.

    Hostile values can be huge (a 10**6-digit int, a long string): they are never echoed whole.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an int of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
