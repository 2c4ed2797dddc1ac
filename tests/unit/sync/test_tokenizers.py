"""get_tokenizer: transformers' tokenizer itself (a stand-in module here), or the byte one."""

from __future__ import annotations

import socket
import sys
import time
import types as stdlib_types
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pytest

from tinkex import tokenizer as tokenizers
from tinkex.errors import ValidationError
from tinkex.tokenizer import (
    ByteTokenizer,
    TokenizerNotAvailableError,
    get_tokenizer,
    tokenizer_id_for,
)
from tinkex.types import ModelInput

if TYPE_CHECKING:
    from collections.abc import Iterator


class FakeHubTokenizer:
    """What `AutoTokenizer.from_pretrained` gives: recorded by name and options."""

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name = name
        self.options = options

    def encode(self, text: str, add_special_tokens: bool = True, **kwargs: Any) -> list[int]:
        return ([1] if add_special_tokens else []) + [ord(c) for c in text]


class FakeAutoTokenizer:
    """Serves `cached` names from the 'cache' and others only when called online."""

    cached: ClassVar[set[str]] = set()
    calls: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    @classmethod
    def from_pretrained(cls, name: str, **options: Any) -> FakeHubTokenizer:
        cls.calls.append((name, options))
        if options.get("local_files_only") and name not in cls.cached:
            raise OSError(f"{name} is not in the cache")
        return FakeHubTokenizer(name, options)


@pytest.fixture
def transformers(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeAutoTokenizer]]:
    """A stand-in `transformers` module; nothing is ever downloaded."""
    module = stdlib_types.ModuleType("transformers")
    module.AutoTokenizer = FakeAutoTokenizer  # type: ignore[attr-defined]  # the stand-in's API
    monkeypatch.setitem(sys.modules, "transformers", module)
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(variable, raising=False)
    FakeAutoTokenizer.cached = set()
    FakeAutoTokenizer.calls = []
    tokenizers._hugging_face.cache_clear()
    yield FakeAutoTokenizer
    tokenizers._hugging_face.cache_clear()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_cached_tokenizer_is_returned_itself_without_touching_the_network(
    transformers: type[FakeAutoTokenizer],
) -> None:
    """transformers' object comes back as is, loaded with local_files_only, once (cached)."""
    transformers.cached = {"Qwen/Qwen3-8B"}
    first = get_tokenizer("Qwen/Qwen3-8B")
    assert isinstance(first, FakeHubTokenizer)
    assert get_tokenizer("Qwen/Qwen3-8B:peft") is first
    assert transformers.calls == [("Qwen/Qwen3-8B", {"local_files_only": True})]
    assert ModelInput.from_text("hi", first).to_ints() == [1, 104, 105]


def test_the_official_model_name_rules_pick_the_tokenizer(
    transformers: type[FakeAutoTokenizer],
) -> None:
    """Llama 3, org/model/variant, the server's id, and Kimi's pinned revisions."""
    assert tokenizer_id_for("meta-llama/Llama-3.1-8B") == (
        "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer"
    )
    assert tokenizer_id_for("org/model/variant") == "org/model"
    assert tokenizer_id_for("any/model", "the/tokenizer:rev") == "the/tokenizer"
    transformers.cached = {"moonshotai/Kimi-K2.5"}
    kimi: Any = get_tokenizer("moonshotai/Kimi-K2.5-Text-Only")
    assert kimi.name == "moonshotai/Kimi-K2.5"
    assert kimi.options == {
        "local_files_only": True,
        "trust_remote_code": True,
        "revision": "4d01dfe0332d63057c186e0b262165819efb6611",
    }


def test_an_offline_miss_fails_at_once_saying_how_to_fix_it(
    transformers: type[FakeAutoTokenizer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """HF_HUB_OFFLINE, or a Hub that refuses connections: a quick, clear error, no download."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(TokenizerNotAvailableError, match="not in the local Hugging Face cache"):
        get_tokenizer("Qwen/Qwen3-8B")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    for proxy in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    with pytest.raises(TokenizerNotAvailableError) as raised:
        get_tokenizer("org/other-model")
    assert time.monotonic() - started < 5
    assert "huggingface-cli download org/other-model" in str(raised.value)
    assert isinstance(raised.value, OSError)
    assert all(options == {"local_files_only": True} for _, options in transformers.calls)


def test_a_miss_with_the_hub_reachable_downloads(
    transformers: type[FakeAutoTokenizer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not cached but the Hub answers: transformers is asked to download it."""
    with socket.socket() as hub:
        hub.bind(("127.0.0.1", 0))
        hub.listen()
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{hub.getsockname()[1]}")
        loaded: Any = get_tokenizer("org/fresh-model")
    assert loaded.options == {}
    assert [name for name, _ in transformers.calls] == ["org/fresh-model", "org/fresh-model"]


def test_without_the_extra_the_error_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """No transformers: ImportError naming pip install 'tinkex[hf]' (not a server error)."""
    monkeypatch.setitem(sys.modules, "transformers", None)
    tokenizers._hugging_face.cache_clear()
    with pytest.raises(ImportError, match=r"pip install 'tinkex\[hf\]'"):
        get_tokenizer("Qwen/Qwen3-8B")


def test_the_byte_tokenizer_offers_the_everyday_subset() -> None:
    """encode/decode with special tokens, ids, vocabulary, token lookup and a chat template."""
    tokenizer = get_tokenizer("Qwen/Qwen3-8B", local=True)
    assert isinstance(tokenizer, ByteTokenizer)
    assert tokenizer.encode("hi") == [104, 105]  # as tinkex's encode always did
    assert tokenizer.encode("hi", add_special_tokens=True) == [256, 104, 105]
    assert tokenizer.encode("hi", add_bos=True) == [256, 104, 105]  # tinkex's earlier spelling
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.vocab_size) == (256, 257, 258)
    assert tokenizer.decode([256, 104, 105, 257]) == "hi"
    assert tokenizer.decode(np.array([256, 104, 257]), skip_special_tokens=False) == (
        "<|bos|>h<|eos|>"
    )
    assert tokenizer.convert_tokens_to_ids(["<|eos|>", "a", "<0xff>"]) == [257, 97, 255]
    chat = [{"role": "user", "content": "hey"}]
    assert tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True) == (
        "user: hey\nassistant: "
    )
    assert tokenizer.apply_chat_template(chat) == tokenizer.encode("user: hey\n", True)
    assert ModelInput.from_text("hi", tokenizer).to_ints() == [256, 104, 105]
    with pytest.raises(ValidationError, match="takes no padding"):
        tokenizer.encode("x", padding=True)
    with pytest.raises(ValidationError, match="outside"):
        tokenizer.decode([999])
    with pytest.raises(ValidationError, match="not a token"):
        tokenizer.convert_tokens_to_ids("ab")
    with pytest.raises(ValidationError, match="role"):
        tokenizer.apply_chat_template([{"content": "no role"}])
