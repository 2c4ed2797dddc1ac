"""Behaviour of `ModelInput` (spec 12.1): build from tokens, measure, extend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tinkex.domain.types.model_input import ModelInputChunk

__all__ = ["ModelInputMixin"]


class ModelInputMixin:
    """Helpers on `ModelInput`; every method returns a new object (the Struct is frozen)."""

    __slots__ = ()

    if TYPE_CHECKING:
        chunks: list[ModelInputChunk]

        def __init__(self, *, chunks: list[ModelInputChunk]) -> None: ...

    @classmethod
    def from_ints(cls, tokens: Iterable[int]) -> Self:
        """One text chunk holding `tokens`."""
        from tinkex.domain.types.model_input import EncodedTextChunk

        return cls(chunks=[EncodedTextChunk(tokens=list(tokens))])

    @classmethod
    def empty(cls) -> Self:
        """An input with no chunks."""
        return cls(chunks=[])

    def to_ints(self) -> list[int]:
        """All tokens, in order.

        Raises:
            ValidationError: A chunk is not text.
        """
        from tinkex.domain.types.model_input import EncodedTextChunk

        tokens: list[int] = []
        for chunk in self.chunks:
            if not isinstance(chunk, EncodedTextChunk):
                raise ValidationError(
                    f"to_ints() needs text chunks only, found {type(chunk).__name__}"
                )
            tokens.extend(chunk.tokens)
        return tokens

    @property
    def length(self) -> int:
        """Total length of all chunks."""
        return sum(chunk.length for chunk in self.chunks)

    def append(self, chunk: ModelInputChunk) -> Self:
        """A copy with `chunk` added at the end."""
        return type(self)(chunks=[*self.chunks, chunk])

    def append_int(self, token: int) -> Self:
        """A copy with `token` added, extending the last text chunk when there is one."""
        from tinkex.domain.types.model_input import EncodedTextChunk

        if self.chunks and isinstance(self.chunks[-1], EncodedTextChunk):
            last = EncodedTextChunk(tokens=[*self.chunks[-1].tokens, token])
            return type(self)(chunks=[*self.chunks[:-1], last])
        return self.append(EncodedTextChunk(tokens=[token]))
