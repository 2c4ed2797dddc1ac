"""Byte-level tokenizer of the tiny model: one token per UTF-8 byte, plus BOS and EOS.

Ids 0..255 are the raw bytes, 256 is BOS and 257 is EOS, so any text encodes losslessly and
any id sequence decodes (invalid UTF-8 becomes U+FFFD).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BOS_ID", "EOS_ID", "VOCAB_SIZE", "ByteTokenizer", "VocabularyError", "check_token_ids"]

BOS_ID = 256
EOS_ID = 257
VOCAB_SIZE = 258


class VocabularyError(ValueError):
    """A token id lies outside the vocabulary ``[0, VOCAB_SIZE)``.

    Attributes:
        token_id: The first offending id.
    """

    def __init__(self, token_id: int) -> None:
        super().__init__(f"token id {token_id} is outside the vocabulary [0, {VOCAB_SIZE})")
        self.token_id = token_id

    def __reduce__(self) -> tuple[type[VocabularyError], tuple[int]]:
        return (type(self), (self.token_id,))


def check_token_ids(tokens: Sequence[int] | np.ndarray) -> None:
    """Raise for the first id outside the vocabulary.

    Args:
        tokens: Token ids to check (any shape).

    Raises:
        VocabularyError: An id is negative or at least ``VOCAB_SIZE``.
    """
    try:
        ids = np.asarray(tokens, dtype=np.int64).reshape(-1)
    except OverflowError:
        # An id too big for int64 is out of range anyway; find it the slow way.
        first_bad = next(int(t) for t in tokens if not 0 <= int(t) < VOCAB_SIZE)
        raise VocabularyError(first_bad) from None
    bad = (ids < 0) | (ids >= VOCAB_SIZE)
    if bad.any():
        raise VocabularyError(int(ids[bad][0]))


class ByteTokenizer:
    """Encode text as UTF-8 bytes and decode ids back, skipping BOS and EOS."""

    bos_token_id = BOS_ID
    eos_token_id = EOS_ID
    vocab_size = VOCAB_SIZE

    def encode(self, text: str, *, add_bos: bool = False) -> list[int]:
        """Encode text as one id per UTF-8 byte.

        Args:
            text: Text to encode.
            add_bos: Prepend the BOS id.

        Returns:
            The token ids.
        """
        ids = list(text.encode("utf-8"))
        return [BOS_ID, *ids] if add_bos else ids

    def decode(self, tokens: Sequence[int]) -> str:
        """Decode ids to text, dropping BOS/EOS and replacing invalid UTF-8.

        Args:
            tokens: Token ids.

        Returns:
            The decoded text.

        Raises:
            VocabularyError: An id is outside the vocabulary.
        """
        check_token_ids(tokens)
        data = bytes(int(t) for t in tokens if int(t) < BOS_ID)
        return data.decode("utf-8", errors="replace")
