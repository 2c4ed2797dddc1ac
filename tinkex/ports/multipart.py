"""The MultipartEncoder port: multipart/form-data bodies."""

from __future__ import annotations

from typing import Protocol

import msgspec

__all__ = ["MultipartBody", "MultipartEncoder", "Part"]


class Part(msgspec.Struct, frozen=True, kw_only=True):
    """One form field or file.

    Attributes:
        name: The form field name.
        data: The field's bytes (text fields are UTF-8).
        filename: Set for file parts.
        content_type: The part's media type, for file parts.
    """

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None


class MultipartBody(msgspec.Struct, frozen=True, kw_only=True):
    """An encoded body and the Content-Type (with boundary) to send it under."""

    content_type: str
    body: bytes


class MultipartEncoder(Protocol):
    """Encode parts as multipart/form-data; raises `ValidationError` on unusable names."""

    def encode(self, parts: list[Part], /) -> MultipartBody:
        """Encode the parts in order."""
        ...
