"""The Codec port: turns wire objects into bytes and back."""

from __future__ import annotations

from typing import Protocol, TypeVar

__all__ = ["Codec"]

T = TypeVar("T")


class Codec(Protocol):
    """Encode request objects and decode response bodies for one media type.

    `decode` raises `tinkex.errors.DecodeError` (with the JSON path of the mismatch when the
    format has one) and nothing else. Encoders and decoders are built once per type.
    """

    @property
    def media_type(self) -> str:
        """The Content-Type this codec produces and understands."""
        ...

    def encode(self, obj: object, /) -> bytes:
        """Serialize one object."""
        ...

    def decode(self, data: bytes, type_: type[T], /) -> T:
        """Deserialize bytes into an instance of `type_`."""
        ...
