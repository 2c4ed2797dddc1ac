"""Tokenizers for base models: Hugging Face's (the ``hf`` extra), or the embedded backend's.

With ``pip install 'tinkex[hf]'`` (`transformers`), `get_tokenizer` returns the Hugging Face
tokenizer itself, chosen by the official SDK's rules (`tokenizer_id_for`; Kimi models at
their pinned revisions), as the official SDK does. It is loaded from the local cache when it
is there (no network); otherwise from the Hub, unless the Hub is out of reach, which fails at
once with `TokenizerNotAvailableError` saying how to fix it (instead of Hugging Face's retries).

The embedded backend's tiny models read UTF-8 bytes (ids 0-255, then BOS and EOS), and
`ByteTokenizer` offers the same everyday subset: ``encode(text, add_special_tokens=)``,
``decode``, ``bos_token_id``, ``eos_token_id``, ``vocab_size``, ``convert_tokens_to_ids`` and a
simple ``apply_chat_template``. So ``ModelInput.from_text(text, tokenizer)`` and chat renderers
work with both.
"""

from __future__ import annotations

import importlib
import os
import socket
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

import numpy as np

from tinkex.errors import TinkexError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "BYTE_TOKENIZER_ID",
    "HF_EXTRA",
    "ByteTokenizer",
    "Tokenizer",
    "TokenizerNotAvailableError",
    "get_tokenizer",
    "tokenizer_id_for",
]

BYTE_TOKENIZER_ID = "tinkex/byte-tokenizer"
"""The tokenizer id the embedded backend reports for its models."""
HF_EXTRA = "pip install 'tinkex[hf]'"
"""How to install what Hugging Face tokenizers need."""

_HUB_PROBE_TIMEOUT_S = 3.0
_TRUE = frozenset({"1", "true", "yes", "on"})
# Revisions the official SDK pins for Kimi tokenizers (they run remote code), by the name it
# loads them under.
_PINNED: dict[str, tuple[str, str]] = {
    "moonshotai/Kimi-K2-Thinking": (
        "moonshotai/Kimi-K2-Thinking",
        "612681931a8c906ddb349f8ad0f582cb552189cd",
    ),
    "moonshotai/Kimi-K2.5": ("moonshotai/Kimi-K2.5", "4d01dfe0332d63057c186e0b262165819efb6611"),
    "moonshotai/Kimi-K2.5-Text-Only": (
        "moonshotai/Kimi-K2.5",
        "4d01dfe0332d63057c186e0b262165819efb6611",
    ),
    "moonshotai/Kimi-K2.6": ("moonshotai/Kimi-K2.6", "b5aabbfb20227ed42becbf5541dbffd213942c58"),
    "moonshotai/Kimi-K3": ("moonshotai/Kimi-K3", "f831ab66814297da540d832a5235f8e904f29d06"),
}


class Tokenizer(Protocol):
    """The everyday subset of a Hugging Face tokenizer, which `ByteTokenizer` offers too."""

    @property
    def bos_token_id(self) -> int | None:
        """The beginning-of-sequence id (None when the model has none)."""
        ...

    @property
    def eos_token_id(self) -> int | None:
        """The end-of-sequence id."""
        ...

    @property
    def vocab_size(self) -> int:
        """How many ids the base vocabulary has."""
        ...

    def encode(self, text: str, add_special_tokens: bool = True, **kwargs: Any) -> list[int]:
        """Token ids of `text` (with the model's special tokens unless told otherwise)."""
        ...

    def decode(self, token_ids: Any, skip_special_tokens: bool = False, **kwargs: Any) -> str:
        """Text of `token_ids`."""
        ...

    def convert_tokens_to_ids(self, tokens: Any) -> Any:
        """The id of a token string, or the ids of a list of them."""
        ...

    def apply_chat_template(self, conversation: Any, *args: Any, **kwargs: Any) -> Any:
        """Render chat messages as the model expects them (ids, or text with tokenize=False)."""
        ...


class TokenizerNotAvailableError(TinkexError, OSError):
    """A Hugging Face tokenizer is neither in the local cache nor downloadable now."""


def tokenizer_id_for(model_name: str, tokenizer_id: str | None = None) -> str:
    """The tokenizer to load for a model (the official SDK's rules).

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
    """The tokenizer for a base model (cached: the same object for the same tokenizer).

    Args:
        model_name: The base model.
        tokenizer_id: The tokenizer the server reported for the run, if any.
        local: True when talking to the embedded backend (its models are byte-level).

    Returns:
        `ByteTokenizer` for the embedded backend, else the Hugging Face tokenizer itself.

    Raises:
        ImportError: The model needs `transformers` (``pip install 'tinkex[hf]'``), or a
            Thinking Machines tokenizer that needs ``tml-tokenizers``.
        TokenizerNotAvailableError: Not in the local cache and the Hub is out of reach.
    """
    resolved = tokenizer_id_for(model_name, tokenizer_id)
    if local or resolved == BYTE_TOKENIZER_ID or model_name.startswith("tinkex/"):
        return ByteTokenizer()
    return _hugging_face(resolved)


@lru_cache(maxsize=32)
def _hugging_face(tokenizer_id: str) -> Tokenizer:
    if tokenizer_id.startswith(("TML/", "thinkingmachines/")):
        found = _thinking_machines(tokenizer_id)
        if found is not None:
            return found
    try:
        transformers = importlib.import_module("transformers")
    except ImportError as exc:
        raise ImportError(
            f"the tokenizer {tokenizer_id!r} needs Hugging Face transformers: {HF_EXTRA}"
        ) from exc
    name, revision = _PINNED.get(tokenizer_id, (tokenizer_id, None))
    options: dict[str, Any] = {}
    if revision is not None:
        options = {"trust_remote_code": True, "revision": revision}
    load = transformers.AutoTokenizer.from_pretrained
    try:
        return cast("Tokenizer", load(name, local_files_only=True, **options))
    except OSError:
        pass  # not cached: download it, if the Hub can be reached at all
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    why = _why_unreachable(endpoint, os.environ)
    if why is not None:
        raise TokenizerNotAvailableError(_not_cached(name, why))
    try:
        return cast("Tokenizer", load(name, **options))
    except OSError as exc:
        raise TokenizerNotAvailableError(_not_cached(name, str(exc))) from exc


def _thinking_machines(tokenizer_id: str) -> Tokenizer | None:
    try:
        module = importlib.import_module("tml_tokenizers.tinker_tokenizers")
    except ImportError as exc:
        raise ImportError(
            f"{tokenizer_id!r} is a Thinking Machines tokenizer: install tml-tokenizers, or "
            "build a renderer with tml-renderers (https://pypi.org/project/tml-renderers/)"
        ) from exc
    return cast("Tokenizer | None", module.get_tinker_tokenizer(tokenizer_id))


def _why_unreachable(endpoint: str, env: Mapping[str, str]) -> str | None:
    """Why the Hub cannot be reached now (None: it may be; let Hugging Face try)."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if env.get(variable, "").strip().lower() in _TRUE:
            return f"{variable} is set"
    if any(env.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None  # only the proxy knows the way; do not second-guess it
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=_HUB_PROBE_TIMEOUT_S):
            return None
    except OSError as exc:
        return f"{endpoint} cannot be reached ({exc.strerror or exc})"


def _not_cached(name: str, why: str) -> str:
    return (
        f"the tokenizer {name!r} is not in the local Hugging Face cache, and {why}. "
        f"Download it once where the Hub is reachable (huggingface-cli download {name}), "
        "or point HF_HOME at a cache that has it."
    )


class ByteTokenizer:
    """The embedded backend's tokenizer (one id per UTF-8 byte), with the everyday methods.

    ``encode(text, add_special_tokens=True)`` starts the ids with BOS; by default it does not
    (as tinkex's encode always did; Hugging Face's default is True, so pass it explicitly, as
    `ModelInput.from_text` does, for the same ids from both). ``decode`` leaves BOS and EOS out
    unless ``skip_special_tokens=False``.
    """

    bos_token = "<|bos|>"
    eos_token = "<|eos|>"
    name_or_path = BYTE_TOKENIZER_ID

    def __init__(self) -> None:
        from tinkex.local.model.tokenizer import ByteTokenizer as BackendTokenizer

        self._bytes = BackendTokenizer()

    @property
    def bos_token_id(self) -> int:
        """The BOS id (256)."""
        return self._bytes.bos_token_id

    @property
    def eos_token_id(self) -> int:
        """The EOS id (257)."""
        return self._bytes.eos_token_id

    @property
    def vocab_size(self) -> int:
        """258: the 256 bytes, BOS and EOS."""
        return self._bytes.vocab_size

    def __len__(self) -> int:
        return self.vocab_size

    def encode(
        self,
        text: str,
        add_special_tokens: bool = False,
        *,
        add_bos: bool | None = None,
        **kwargs: Any,
    ) -> list[int]:
        """One id per UTF-8 byte of `text`, after BOS when `add_special_tokens` is true.

        Args:
            text: The text.
            add_special_tokens: Start with BOS (default False, unlike Hugging Face's).
            add_bos: The same, under tinkex's earlier name (wins when given).
            **kwargs: Hugging Face options this tokenizer has no use for: refused.

        Raises:
            ValidationError: An option this tokenizer does not have.
        """
        _no_options("encode", kwargs)
        with_bos = add_special_tokens if add_bos is None else add_bos
        return self._bytes.encode(text, add_bos=with_bos)

    def decode(self, token_ids: Any, skip_special_tokens: bool = True, **kwargs: Any) -> str:
        """Text of `token_ids` (invalid UTF-8 becomes U+FFFD).

        Args:
            token_ids: Ids (a list, a numpy array or a single id).
            skip_special_tokens: Leave BOS and EOS out (else they show as ``<|bos|>``...).
            **kwargs: Hugging Face options this tokenizer has no use for: refused.

        Raises:
            ValidationError: An id outside the vocabulary, or an option it does not have.
        """
        _no_options("decode", kwargs)
        ids = _ids(token_ids, self.vocab_size)
        if skip_special_tokens:
            return self._bytes.decode(ids)
        special = {self.bos_token_id: self.bos_token, self.eos_token_id: self.eos_token}
        parts: list[str] = []
        run: list[int] = []
        for token in ids:
            if token in special:
                parts += [self._bytes.decode(run), special[token]]
                run = []
            else:
                run.append(token)
        return "".join([*parts, self._bytes.decode(run)])

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        """Ids of tokens: ``<|bos|>``, ``<|eos|>``, one-byte characters, or ``<0xNN>``.

        Raises:
            ValidationError: A token that is none of these.
        """
        if isinstance(tokens, str):
            return self._token_id(tokens)
        return [self._token_id(token) for token in tokens]

    def _token_id(self, token: str) -> int:
        if token == self.bos_token:
            return self.bos_token_id
        if token == self.eos_token:
            return self.eos_token_id
        raw = token.encode("utf-8")
        if len(raw) == 1:
            return raw[0]
        if len(token) == 6 and token.startswith("<0x") and token.endswith(">"):
            try:
                return int(token[3:5], 16)
            except ValueError:
                pass
        raise ValidationError(f"{token!r} is not a token of the byte vocabulary", field="tokens")

    def apply_chat_template(
        self,
        conversation: Sequence[Mapping[str, Any]],
        tokenize: bool = True,
        add_generation_prompt: bool = False,
        **kwargs: Any,
    ) -> str | list[int]:
        """A plain chat rendering: ``role: content`` lines, after BOS when tokenized.

        Args:
            conversation: Messages with a ``role`` and a text ``content``.
            tokenize: Return ids (else the text).
            add_generation_prompt: End with ``assistant: `` for the model to continue.
            **kwargs: Template options this tokenizer has no use for: refused.

        Raises:
            ValidationError: A message without a role or a text content, or an option.
        """
        _no_options("apply_chat_template", kwargs)
        lines = []
        for index, message in enumerate(conversation):
            role, content = message.get("role"), message.get("content")
            if not isinstance(role, str) or not isinstance(content, str):
                raise ValidationError(
                    "needs a 'role' and a text 'content'", field=f"conversation[{index}]"
                )
            lines.append(f"{role}: {content}\n")
        text = "".join(lines) + ("assistant: " if add_generation_prompt else "")
        return self.encode(text, add_special_tokens=True) if tokenize else text

    def __repr__(self) -> str:
        return f"<ByteTokenizer {BYTE_TOKENIZER_ID} vocab_size={self.vocab_size}>"


def _no_options(method: str, kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise ValidationError(f"the byte tokenizer's {method} takes no {names}", field=method)


def _ids(token_ids: Any, vocab_size: int) -> list[int]:
    if isinstance(token_ids, np.ndarray):
        ids = [int(t) for t in token_ids.reshape(-1)]
    elif isinstance(token_ids, int | np.integer):
        ids = [int(token_ids)]
    else:
        ids = [int(t) for t in token_ids]
    for token in ids:
        if not 0 <= token < vocab_size:
            raise ValidationError(f"id {token} is outside [0, {vocab_size})", field="token_ids")
    return ids
