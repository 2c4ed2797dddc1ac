"""The wire checks: strings UTF-8 can encode, token ids in the int32 range, model input chunks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.domain.limits import MAX_TOKEN_ID
from tinkex.domain.text_checks import require_str_map, require_text, unencodable_path
from tinkex.domain.types import (
    DmelChunk,
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    SampledProvenanceSpan,
    SamplingParams,
)
from tinkex.domain.urls import build_url
from tinkex.domain.wire_checks import (
    check_model_input,
    check_spans,
    pack_model_input,
    pack_token_ids,
    require_number,
)
from tinkex.errors import ValidationError


def _junk(value: object) -> Any:
    """A hostile value, typed Any so the construction type-checks."""
    return value


@pytest.mark.parametrize("text", ["", "plain", "héllo ✓", "😀", "a\udcffb", 5, None, b"x"])
def test_require_text_accepts_exactly_what_utf8_encodes(text: Any) -> None:
    encodable = isinstance(text, str) and bool(text)
    if encodable:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            encodable = False
    if encodable:
        assert require_text(text, "name") == text
    else:
        with pytest.raises(ValidationError) as raised:
            require_text(text, "name")
        assert raised.value.field == "name"


def test_require_text_allows_empty_only_when_asked() -> None:
    assert require_text("", "tag", allow_empty=True) == ""


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(True, "number"), ("1", "number"), (float("nan"), "finite"), (10**400, "finite")],
)
def test_require_number_refuses_non_numbers_and_overflow(value: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as raised:
        require_number(value, "lr")
    assert raised.value.field == "lr"


def test_require_number_bounds() -> None:
    assert require_number(3, "x", minimum=0.0, maximum=3.0) == 3.0
    with pytest.raises(ValidationError, match="<= 2"):
        require_number(3, "x", maximum=2.0)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([("a", "b")], "meta"),
        ({1: "b"}, "meta key 1"),
        ({"\udcff": "b"}, "meta key '\\udcff'"),
        ({"a": 1}, "meta['a']"),
        ({"a": "\ud800"}, "meta['a']"),
    ],
)
def test_require_str_map_names_the_bad_entry(value: object, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        require_str_map(value, "meta")
    assert raised.value.field == field


def test_require_str_map_accepts_none_and_strings() -> None:
    assert require_str_map(None, "meta") is None
    assert require_str_map({"a": "", "ü": "ß"}, "meta") == {"a": "", "ü": "ß"}


@pytest.mark.parametrize(
    "tokens",
    [
        [0, 1, MAX_TOKEN_ID],
        [np.int64(5), 7],
        np.array([0, MAX_TOKEN_ID], dtype=np.int64),
        np.array([3, 4], dtype=np.uint8),
        np.array([], dtype=np.int32),
        [],
    ],
)
def test_token_ids_in_range_pass(tokens: Any) -> None:
    packed = pack_token_ids(tokens, "tokens")
    assert packed.tolist() == [int(t) for t in tokens]


def test_a_bool_deep_in_a_long_token_list_is_found() -> None:
    tokens: list[int] = [5] * 600
    tokens[550] = True
    with pytest.raises(ValidationError) as raised:
        pack_token_ids(tokens, "tokens")
    assert raised.value.field == "tokens[550]"
    tokens[550] = 1
    assert pack_token_ids(tokens, "tokens")[550] == 1


def test_a_token_list_is_packed_into_int32_and_an_array_is_kept() -> None:
    packed = pack_token_ids([1, 2, 3], "tokens")
    assert packed.dtype == np.int32
    array = np.array([1, 2, 3], dtype=np.int32)
    assert pack_token_ids(array, "tokens") is array


@pytest.mark.parametrize(
    ("tokens", "field"),
    [
        ([1, MAX_TOKEN_ID + 1], "tokens[1]"),
        ([1, 2**63 - 1], "tokens[1]"),
        ([1, 2, -1], "tokens[2]"),
        ([1, 2.0], "tokens[1]"),
        ([1, "2"], "tokens[1]"),
        ([1, None], "tokens[1]"),
        ([1, True], "tokens[1]"),
        ([False, 3], "tokens[0]"),
        ([np.True_], "tokens[0]"),
        ([7, np.array([1.5, 2.0])], "tokens[1]"),
        (np.array([1, -3], dtype=np.int64), "tokens[1]"),
        (np.array([1, -3], dtype=">i4"), "tokens[1]"),
        (np.array([1, 2**32], dtype=np.uint64), "tokens[1]"),
        (np.array([1.0]), "tokens"),
        (np.array([[1]]), "tokens"),
        ((1, 2), "tokens"),
        ("12", "tokens"),
    ],
)
def test_bad_token_ids_name_the_offending_position(tokens: Any, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        pack_token_ids(tokens, "tokens")
    assert raised.value.field == field


def test_model_input_length_counts_every_kind_of_chunk() -> None:
    dmel = bytes([254, 1, 2, 5, 3])  # marker, dtype, ndim 2, dims 5 x 3
    model_input = ModelInput(
        chunks=[
            EncodedTextChunk(tokens=[1, 2]),
            ImageChunk(data=b"\x89PNG", format="png", expected_tokens=4),
            ImageAssetPointerChunk(format="jpeg", location="s3://b/k", expected_tokens=3),
            DmelChunk(dmel=dmel),
        ]
    )
    assert check_model_input(model_input, "prompt") == 2 + 4 + 3 + 5
    with pytest.raises(ValidationError) as raised:
        pack_model_input(model_input, "m")
    assert raised.value.field == "m.chunks[2]"


def test_pack_model_input_copies_only_when_a_list_was_packed() -> None:
    arrays = ModelInput.from_ints(np.array([1, 2], dtype=np.int32))
    assert pack_model_input(arrays, "m") == (arrays, 2)
    lists = ModelInput(chunks=[EncodedTextChunk(tokens=[1, 2]), EncodedTextChunk(tokens=[3])])
    packed, length = pack_model_input(lists, "m")
    assert length == 3
    assert packed is not lists
    assert packed == lists  # same ids
    assert all(isinstance(c.tokens, np.ndarray) for c in packed.chunks)  # type: ignore[union-attr]
    assert all(isinstance(c.tokens, list) for c in lists.chunks)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([1, 2], "p"),
        (
            ModelInput(chunks=[ImageChunk(data=_junk("x"), format="png", expected_tokens=1)]),
            "p.chunks[0].data",
        ),
        (ModelInput(chunks=[ImageChunk(data=b"x", format="png")]), "p.chunks[0].expected_tokens"),
        (
            ModelInput(chunks=[ImageChunk(data=b"x", format="png", expected_tokens=-1)]),
            "p.chunks[0].expected_tokens",
        ),
        (ModelInput(chunks=[DmelChunk(dmel=b"\x01")]), "p.chunks[0].dmel"),
        (ModelInput(chunks=[DmelChunk(dmel=b"\x01" + b"\xff" * 20)]), "p.chunks[0].dmel"),
    ],
)
def test_bad_chunks_are_named(value: object, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check_model_input(value, "p")
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("spans", "field"),
    [
        ("x", "s"),
        ([1], "s[0]"),
        ([SampledProvenanceSpan(sequence_id="\udcff", length=1)], "s[0].sequence_id"),
        ([SampledProvenanceSpan(sequence_id="a", length=-1)], "s[0].length"),
        ([SampledProvenanceSpan(sequence_id="a", offset=2**40, length=1)], "s[0].offset"),
    ],
)
def test_bad_spans_are_named(spans: object, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check_spans(spans, "s")
    assert raised.value.field == field


def test_unencodable_path_points_at_the_bad_string() -> None:
    request = SamplingParams(stop=["ok", "bad\udcff"])
    assert unencodable_path(request) == "$.stop[1]"
    assert unencodable_path({"a": [{"b": "\ud800"}]}) == "$.a[0].b"
    assert unencodable_path({"\ud800": 1}) == "$"
    assert unencodable_path({"a": ["fine", 3, None]}) is None


def test_json_codec_names_the_field_of_a_lone_surrogate() -> None:
    with pytest.raises(ValidationError) as raised:
        MsgspecJsonCodec().encode(SamplingParams(stop=["ok", "x\udcff"]))
    assert raised.value.field == "stop[1]"


def test_urls_refuse_a_lone_surrogate_naming_the_parameter() -> None:
    with pytest.raises(ValidationError) as raised:
        build_url("http://h", "/runs/{run_id}", {"run_id": "a\udcff"}, None)
    assert raised.value.field == "run_id"
    with pytest.raises(ValidationError) as raised:
        build_url("http://h", "/runs", None, {"project_id": "\ud800"})
    assert raised.value.field == "project_id"
    assert build_url("http://h", "/runs/{run_id}", {"run_id": "é"}, {"q": "ü"}) == (
        "http://h/runs/%C3%A9?q=%C3%BC"
    )


class _IndexOnly:
    """An integer-like object with ``__index__`` but no ordering."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def test_short_lists_of_index_only_objects_are_packed_and_range_checked() -> None:
    assert pack_token_ids([_IndexOnly(3), _IndexOnly(5)], "t").tolist() == [3, 5]
    with pytest.raises(ValidationError, match="non-negative") as caught:
        pack_token_ids([_IndexOnly(3), _IndexOnly(-5)], "t")
    assert caught.value.field == "t[1]"
