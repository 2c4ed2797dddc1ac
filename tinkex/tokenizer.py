"""Tokenizers for base models: the embedded backend's byte tokenizer, or Hugging Face's.

The embedded backend's tiny models read UTF-8 bytes (256 ids plus BOS and EOS), so text works
offline. Real Tinker models need their Hugging Face tokenizer, which `transformers` loads when
it is installed (it is optional; nothing else in tinkex needs it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from tinkex.errors import UnsupportedByServerError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BYTE_TOKENIZER_ID", "Tokenizer", "get_tokenizer", "tokenizer_id_for"]

BYTE_TOKENIZER_ID = "tinkex/byte-tokenizer"
"""The tokenizer id the embedded backend reports for its models."""


class Tokenizer(Protocol):
    """What a tokenizer must offer: text to token ids and back."""

    def encode(self, text: str, *, add_bos: bool = False) -> list[int]:
        """Token ids of `text`, optionally starting with the BOS token."""
        ...

    def decode(self, tokens: Sequence[int]) -> str:
        """Text of `tokens`."""
        ...


def tokenizer_id_for(model_name: str, tokenizer_id: str | None = None) -> str:
    """The tokenizer to load for a model (spec 8.8 rules).

    The server's `tokenizer_id` wins; otherwise a ``:suffix`` is dropped, Llama 3 models use the
    published Llama 3 tokenizer, and ``org/model/variant`` names use ``org/model``.
    """
    if tokenizer_id:
        return tokenizer_id.split(":", 1)[0]
    name = model_name.split(":", 1)[0]
    if name.startswith("meta-llama/Llama-3"):
        return "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer"
    parts = name.split("/")
    return "/".join(parts[:2]) if len(parts) == 3 else name


def get_tokenizer(
    model_name: str, tokenizer_id: str | None = None, *, local: bool = False
) -> Tokenizer:
    """Return the tokenizer for a base model.

    Args:
        model_name: The base model.
        tokenizer_id: The tokenizer the server reported for the run, if any.
        local: True when talking to the embedded backend (its models are byte-level).

    Raises:
        UnsupportedByServerError: The model needs `transformers`, which is not installed.
    """
    resolved = tokenizer_id_for(model_name, tokenizer_id)
    if local or resolved == BYTE_TOKENIZER_ID or model_name.startswith("tinkex/"):
        from tinkex.local.model.tokenizer import ByteTokenizer

        return ByteTokenizer()
    return _hugging_face(resolved)


@lru_cache(maxsize=32)
def _hugging_face(tokenizer_id: str) -> Tokenizer:
    try:
        from transformers import AutoTokenizer  # type: ignore[import-not-found]  # optional
    except ImportError as exc:
        raise UnsupportedByServerError(
            f"the tokenizer {tokenizer_id!r} needs the optional 'transformers' package"
        ) from exc
    return _HuggingFaceTokenizer(AutoTokenizer.from_pretrained(tokenizer_id, use_fast=True))


class _HuggingFaceTokenizer:
    """Adapts a Hugging Face tokenizer to `Tokenizer`."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def encode(self, text: str, *, add_bos: bool = False) -> list[int]:
        ids: list[int] = self._inner.encode(text, add_special_tokens=add_bos)
        return ids

    def decode(self, tokens: Sequence[int]) -> str:
        text: str = self._inner.decode(list(tokens))
        return text
