"""`length` of the model-input chunk types (spec 12.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.errors import ValidationError

__all__ = ["DmelLengthMixin", "ExpectedTokensLengthMixin", "TokensLengthMixin"]

_DMEL_MARKER = 254


class TokensLengthMixin:
    """Length of a text chunk: its number of tokens."""

    __slots__ = ()

    if TYPE_CHECKING:
        tokens: list[int]

    @property
    def length(self) -> int:
        """Number of tokens."""
        return len(self.tokens)


class ExpectedTokensLengthMixin:
    """Length of an image chunk: the token count the caller declared."""

    __slots__ = ()

    if TYPE_CHECKING:
        expected_tokens: int | None

    @property
    def length(self) -> int:
        """The declared token count.

        Raises:
            ValidationError: `expected_tokens` was not given.
        """
        if self.expected_tokens is None:
            raise ValidationError("image chunks need expected_tokens to know their length")
        return self.expected_tokens


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValidationError("truncated dmel header")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


class DmelLengthMixin:
    """Length of a dmel chunk: dimension 0 of its TensorContainer header."""

    __slots__ = ()

    if TYPE_CHECKING:
        dmel: bytes

    @property
    def length(self) -> int:
        """Dimension 0 read from the header (optional marker 254, dtype byte, ndim, dims).

        Raises:
            ValidationError: The header is truncated or has no dimensions.
        """
        pos = 1 if self.dmel[:1] == bytes([_DMEL_MARKER]) else 0
        pos += 1  # dtype byte
        ndim, pos = _varint(self.dmel, pos)
        if ndim == 0:
            raise ValidationError("dmel tensor has no dimensions")
        first, _ = _varint(self.dmel, pos)
        return first
