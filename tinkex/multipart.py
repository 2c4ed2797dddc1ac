"""Public multipart/form-data encoding: nested form fields and files (Tinkex ``Multipart``).

```python
body = encode_multipart(
    {"note": "hi", "metadata": {"source": "demo", "version": 2}, "tags": ["a", "b"]},
    {"file": Path("upload.bin")},
)
headers = {"Content-Type": body.content_type}    # multipart/form-data; boundary=...
```

Nested fields are flattened to bracket keys (``metadata[source]``), lists to repeated
``tags[]`` parts, None to an empty string, booleans to ``true``/``false``. Files are explicit:
`bytes` (the field name doubles as filename), a `Path` (read now; filename from its name,
content type guessed from its suffix) or a `FileSpec`. Text is never taken for a path.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeAlias

import msgspec

from tinkex.adapters.multipart import MultipartFormEncoder
from tinkex.domain.form_parts import serialize_form_fields
from tinkex.errors import ValidationError
from tinkex.ports.multipart import MultipartBody, Part

__all__ = [
    "FileSpec",
    "FileValue",
    "MultipartBody",
    "Part",
    "encode_multipart",
    "file_parts",
    "serialize_form_fields",
]

_DEFAULT_TYPE = "application/octet-stream"


class FileSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A file part given by value.

    Attributes:
        filename: The name the server sees.
        content: The bytes.
        content_type: Media type (default ``application/octet-stream``).
    """

    filename: str
    content: bytes
    content_type: str | None = None


FileValue: TypeAlias = bytes | Path | FileSpec
"""What a file field may hold."""


def _file_part(name: str, value: FileValue) -> Part:
    if isinstance(value, FileSpec):
        return Part(
            name=name,
            data=value.content,
            filename=value.filename,
            content_type=value.content_type or _DEFAULT_TYPE,
        )
    if isinstance(value, Path):
        if value.is_dir():
            raise ValidationError(f"{value} is a directory", field=f"files[{name!r}]")
        try:
            data = value.read_bytes()
        except OSError as exc:
            raise ValidationError(f"cannot read {value}: {exc}", field=f"files[{name!r}]") from exc
        guessed, _ = mimetypes.guess_type(value.name)
        return Part(
            name=name, data=data, filename=value.name, content_type=guessed or _DEFAULT_TYPE
        )
    if isinstance(value, bytes | bytearray | memoryview):
        return Part(name=name, data=bytes(value), filename=name, content_type=_DEFAULT_TYPE)
    raise ValidationError(
        f"must be bytes, a Path or a FileSpec, got {type(value).__name__}", field=f"files[{name!r}]"
    )


def file_parts(files: Mapping[str, FileValue] | Sequence[tuple[str, FileValue]]) -> list[Part]:
    """Turn files (a mapping, or pairs for repeated names) into multipart parts.

    Raises:
        ValidationError: A value of another type, or an unreadable path / a directory.
    """
    pairs = list(files.items()) if isinstance(files, Mapping) else list(files)
    return [_file_part(str(name), value) for name, value in pairs]


def encode_multipart(
    fields: Mapping[str, object] | None = None,
    files: Mapping[str, FileValue] | Sequence[tuple[str, FileValue]] | None = None,
    *,
    boundary: str | None = None,
) -> MultipartBody:
    """Encode form fields, then files, as one ``multipart/form-data`` body.

    Args:
        fields: Form fields, nested mappings and lists allowed (see `serialize_form_fields`).
        files: File fields.
        boundary: A fixed boundary (tests); default a fresh random one per body.

    Returns:
        The body and its ``Content-Type`` (with the boundary).

    Raises:
        ValidationError: A bad file value, or a name that cannot be written safely.
    """
    parts = [
        Part(name=key, data=text.encode("utf-8"))
        for key, text in serialize_form_fields(fields or {})
    ]
    parts += file_parts(files or {})
    encoder = MultipartFormEncoder(None if boundary is None else (lambda: boundary))
    return encoder.encode(parts)
