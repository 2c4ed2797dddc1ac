"""Behaviour of `ModelInput` (a list of chunks): build from tokens, measure, extend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, cast

import msgspec
import numpy as np

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tinkex.domain.types.model_input import ModelInputChunk
    from tinkex.tokenizer import Tokenizer

__all__ = ["ModelInputMixin"]


class ModelInputMixin:
    """Helpers on `ModelInput`; every method returns a new object (the Struct is frozen)."""

    __slots__ = ()

    if TYPE_CHECKING:
        chunks: list[ModelInputChunk]

        def __init__(self, *, chunks: list[ModelInputChunk]) -> None: ...

    def __post_init__(self) -> None:
        # Runs on construction and on decode: the chunks must be chunks (a tuple is copied into
        # a list), so `length`, `to_ints` and the request checks never meet anything else.
        from tinkex.domain.types.model_input import (
            DmelChunk,
            EncodedTextChunk,
            ImageAssetPointerChunk,
            ImageChunk,
        )

        chunks: object = self.chunks
        if isinstance(chunks, tuple):
            chunks = list(chunks)
            msgspec.structs.force_setattr(cast("msgspec.Struct", self), "chunks", chunks)
        if not isinstance(chunks, list):
            raise ValidationError(
                f"must be a list of chunks, got {type(chunks).__name__}", field="chunks"
            )
        kinds = (EncodedTextChunk, ImageChunk, ImageAssetPointerChunk, DmelChunk)
        for index, chunk in enumerate(chunks):
            if not isinstance(chunk, kinds):
                raise ValidationError(
                    f"expected a model input chunk, got {type(chunk).__name__}",
                    field=f"chunks[{index}]",
                )

    @classmethod
    def from_ints(cls, tokens: Iterable[int]) -> Self:
        """One text chunk holding `tokens`.

        A numpy integer array is kept as an array (int32 when the ids fit, a view of the
        caller's array when it already is C-contiguous int32), so sending it converts nothing;
        any other iterable is copied into a list. The list's elements (ints in the token id
        range) are checked when a request holding them is sent, in one C-level pass, rather
        than here as well.

        Raises:
            ValidationError: `tokens` is not an iterable (or is a string), or is an array that
                is not 1-D integers; ``field`` is ``tokens``.
        """
        from tinkex.domain.types.model_input import EncodedTextChunk

        if isinstance(tokens, np.ndarray):
            return cls(chunks=[EncodedTextChunk(tokens=tokens)])
        if isinstance(tokens, str | bytes | bytearray):
            raise ValidationError(
                f"must be an iterable of ints, got {type(tokens).__name__}", field="tokens"
            )
        try:
            stored = list(tokens)
        except TypeError:
            raise ValidationError(
                f"must be an iterable of ints, got {type(tokens).__name__}", field="tokens"
            ) from None
        return cls(chunks=[EncodedTextChunk(tokens=stored)])

    @classmethod
    def from_text(cls, text: str, tokenizer: Tokenizer, *, add_special_tokens: bool = True) -> Self:
        """One text chunk of `text` as `tokenizer` encodes it.

        Works with any tokenizer of `tinkex.tokenizer` (a Hugging Face one, or the embedded
        backend's `ByteTokenizer`): ``tokenizer.encode(text, add_special_tokens=...)``.
        """
        return cls.from_ints(tokenizer.encode(text, add_special_tokens=add_special_tokens))

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
            stored = chunk.tokens
            tokens.extend(stored.tolist() if isinstance(stored, np.ndarray) else stored)
        return tokens

    @property
    def length(self) -> int:
        """Total length of all chunks."""
        return sum(chunk.length for chunk in self.chunks)

    def append(self, chunk: ModelInputChunk) -> Self:
        """A copy with `chunk` added at the end.

        Raises:
            ValidationError: `chunk` is not a model input chunk.
        """
        return type(self)(chunks=[*self.chunks, chunk])

    def append_int(self, token: int) -> Self:
        """A copy with `token` added, extending the last text chunk when there is one.

        Raises:
            ValidationError: `token` is not an int (``field`` is ``token``).
        """
        from tinkex.domain.types.model_input import EncodedTextChunk

        if not _is_token(token):
            raise ValidationError(
                f"must be an int token id, got {type(token).__name__}", field="token"
            )
        if self.chunks and isinstance(self.chunks[-1], EncodedTextChunk):
            stored = self.chunks[-1].tokens
            if isinstance(stored, np.ndarray):
                # int64 holds any id; the chunk narrows the result back to int32 when it fits.
                try:
                    extra = np.asarray([token], dtype=np.int64)
                except OverflowError:
                    raise ValidationError("does not fit int64", field="token") from None
                joined = np.concatenate((stored, extra))
                last = EncodedTextChunk(tokens=joined)
            else:
                last = EncodedTextChunk(tokens=[*stored, token])
            return type(self)(chunks=[*self.chunks[:-1], last])
        return self.append(EncodedTextChunk(tokens=[token]))


def _is_token(value: object) -> bool:
    # A token id is an int (numpy integers included); a bool is not, though Python says so.
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
