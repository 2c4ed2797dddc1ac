"""Byte tokenizer: lossless UTF-8 round trip and vocabulary checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from tinkex.local.model import BOS_ID, EOS_ID, VOCAB_SIZE, ByteTokenizer, VocabularyError


def test_round_trip_keeps_non_ascii_text() -> None:
    """Encoding then decoding returns the original text, accents and emoji included."""
    tok = ByteTokenizer()
    text = "Grüße, 世界! 🦊 naïve café"
    ids = tok.encode(text)
    assert ids == list(text.encode("utf-8"))
    assert all(0 <= i < 256 for i in ids)
    assert tok.decode(ids) == text


def test_encode_with_bos_prepends_it_and_decode_skips_specials() -> None:
    """BOS is prepended on request; BOS and EOS vanish when decoding."""
    tok = ByteTokenizer()
    ids = tok.encode("hi", add_bos=True)
    assert ids == [BOS_ID, ord("h"), ord("i")]
    assert tok.decode([*ids, EOS_ID]) == "hi"
    assert VOCAB_SIZE == 258


def test_decode_replaces_invalid_utf8() -> None:
    """A truncated multi-byte character becomes U+FFFD instead of raising."""
    tok = ByteTokenizer()
    assert tok.decode([0xE4, ord("a")]) == "\ufffda"


@pytest.mark.parametrize("bad", [258, -1, 10**30])
def test_out_of_vocabulary_id_raises_naming_the_id(bad: int) -> None:
    """Ids outside [0, 258) raise VocabularyError carrying and naming the id."""
    with pytest.raises(VocabularyError, match=str(bad)) as info:
        ByteTokenizer().decode([65, bad])
    assert info.value.token_id == bad
    assert isinstance(info.value, ValueError)


def test_vocabulary_error_pickles() -> None:
    """The error survives a pickle round trip with its id."""
    err = pickle.loads(pickle.dumps(VocabularyError(300)))
    assert isinstance(err, VocabularyError)
    assert err.token_id == 300


def test_numpy_ids_decode() -> None:
    """Numpy integer arrays decode like lists."""
    assert ByteTokenizer().decode(np.array([104, 105], dtype=np.int64).tolist()) == "hi"
