"""Behaviour of `ModelInput` (a list of chunks): build from tokens, measure, extend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Self, cast

import msgspec
import numpy as np

from tinkex.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy.typing as npt

    from tinkex.domain.types.model_input import ModelInputChunk
    from tinkex.tokenizer import Tokenizer

__all__ = ["ModelInputMixin", "int32_token_array"]

_INT32: Final = np.dtype(np.int32)
# The token id range of the wire (non-negative int32); `tinkex.domain.limits` holds the same.
_MAX_TOKEN_ID: Final = 2**31 - 1


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
    def from_numpy(cls, tokens: npt.NDArray[np.integer[Any]]) -> Self:
        """One text chunk holding `tokens`, an integer array, as int32: no Python ints at all.

        The numpy-native constructor: the ids are checked here (1-D, integer dtype, every id
        in the non-negative int32 range) with one reduction, and stored as a C-contiguous
        int32 array (a view of `tokens` when it already is one, so do not write to it while
        the input is in use), which the binary wire sends as it is.

        Raises:
            ValidationError: `tokens` is not a numpy array, is not 1-D, does not hold
                integers, or holds an id outside ``[0, 2**31 - 1]``; ``field`` is ``tokens``.
        """
        from tinkex.domain.types.model_input import EncodedTextChunk

        return cls(chunks=[EncodedTextChunk(tokens=int32_token_array(tokens, "tokens"))])

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


def int32_token_array(tokens: object, field: str) -> npt.NDArray[np.int32]:
    """`tokens` checked as token ids and returned as a C-contiguous int32 array.

    Zero-copy for a C-contiguous int32 array; any other integer array is converted once.

    Raises:
        ValidationError: Not a numpy array, not 1-D, not integers, or an id outside the
            non-negative int32 range; ``field`` names the value (and the first bad index).
    """
    if not isinstance(tokens, np.ndarray):
        raise ValidationError(
            f"must be a numpy integer array, got {type(tokens).__name__} "
            "(ModelInput.from_ints takes lists)",
            field=field,
        )
    if tokens.dtype.kind not in "iu":
        raise ValidationError(f"must hold integers, got dtype {tokens.dtype}", field=field)
    if tokens.ndim != 1:
        raise ValidationError(f"must be 1-D, got shape {tokens.shape}", field=field)
    if tokens.size:
        # Viewed as unsigned of the same width, a negative id lands above the int32 maximum,
        # so one max() checks both bounds; the index is looked for only on failure.
        kind = tokens.dtype
        unsigned = tokens.view(kind.str.replace("i", "u")) if kind.kind == "i" else tokens
        if unsigned.max() > _MAX_TOKEN_ID:
            bad = int(np.argmax(unsigned > _MAX_TOKEN_ID))
            raise ValidationError(
                f"token ids must be in [0, {_MAX_TOKEN_ID}] (non-negative int32), "
                f"got {tokens[bad]}",
                field=f"{field}[{bad}]",
            )
    if tokens.dtype == _INT32 and tokens.flags.c_contiguous and type(tokens) is np.ndarray:
        return tokens
    return np.ascontiguousarray(tokens, dtype=_INT32)
