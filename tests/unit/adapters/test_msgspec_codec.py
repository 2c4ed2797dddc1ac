"""MsgspecJsonCodec: what it writes, numpy support, decode errors with paths, empty bodies."""

from __future__ import annotations

import json

import msgspec
import numpy as np
import pytest

from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.config import Secret
from tinkex.errors import DecodeError, ValidationError


class Inner(msgspec.Struct, frozen=True, kw_only=True):
    tokens: list[int]


class Outer(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    items: list[Inner]


class Request(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    model_id: str
    seed: int | None = None
    temperature: float = 1.0
    stop: list[str] | msgspec.UnsetType = msgspec.UNSET


class Empty(msgspec.Struct, frozen=True, kw_only=True):
    status: str = "ok"


@pytest.fixture
def codec() -> MsgspecJsonCodec:
    return MsgspecJsonCodec()


def test_media_type_is_json(codec: MsgspecJsonCodec) -> None:
    """The codec speaks application/json."""
    assert codec.media_type == "application/json"


def test_encodes_exactly_what_it_is_given(codec: MsgspecJsonCodec) -> None:
    """omit_defaults drops defaults and UNSET; explicit values, None included, are written."""
    assert json.loads(codec.encode(Request(model_id="m"))) == {"model_id": "m"}
    explicit = Request(model_id="m", seed=None, temperature=0.5, stop=["\n"])
    assert json.loads(codec.encode(explicit)) == {
        "model_id": "m",
        "temperature": 0.5,
        "stop": ["\n"],
    }
    assert json.loads(codec.encode({"a": None, "b": 1})) == {"a": None, "b": 1}


def test_numpy_arrays_and_scalars_encode_as_json_numbers(codec: MsgspecJsonCodec) -> None:
    """ndarrays become (nested) lists and numpy scalars plain numbers or booleans."""
    value = {
        "ints": np.arange(3, dtype=np.int64),
        "grid": np.array([[0.5, 1.5], [2.0, -1.0]], dtype=np.float32),
        "scalar": np.float64(0.25),
        "count": np.int32(7),
        "flag": np.bool_(True),
    }
    assert json.loads(codec.encode(value)) == {
        "ints": [0, 1, 2],
        "grid": [[0.5, 1.5], [2.0, -1.0]],
        "scalar": 0.25,
        "count": 7,
        "flag": True,
    }


def test_secrets_encode_redacted(codec: MsgspecJsonCodec) -> None:
    """A Secret inside an encoded object is written redacted."""
    encoded = codec.encode({"key": Secret("tml-abcdef123456")})
    assert encoded == b'{"key":"tml-***"}'


def test_unencodable_values_are_validation_errors(codec: MsgspecJsonCodec) -> None:
    """An object JSON cannot represent fails before anything is sent."""
    with pytest.raises(ValidationError, match="object"):
        codec.encode({"x": object()})


def test_decodes_into_nested_structs(codec: MsgspecJsonCodec) -> None:
    """A matching body decodes into the requested type."""
    decoded = codec.decode(b'{"name":"n","items":[{"tokens":[1,2]}],"extra":1}', Outer)
    assert decoded == Outer(name="n", items=[Inner(tokens=[1, 2])])


def test_decode_mismatch_reports_the_json_path(codec: MsgspecJsonCodec) -> None:
    """A type mismatch deep in the body names its $.path."""
    with pytest.raises(DecodeError) as caught:
        codec.decode(b'{"name":"n","items":[{"tokens":[1,2]},{"tokens":[3,"x"]}]}', Outer)
    assert caught.value.path == "$.items[1].tokens[1]"
    assert "Outer" in str(caught.value)
    assert isinstance(caught.value.__cause__, msgspec.ValidationError)


def test_decode_of_missing_field_reports_the_object_path(codec: MsgspecJsonCodec) -> None:
    """A missing required field names the object that lacks it."""
    with pytest.raises(DecodeError, match="tokens") as caught:
        codec.decode(b'{"name":"n","items":[{}]}', Outer)
    assert caught.value.path == "$.items[0]"


def test_malformed_json_is_a_decode_error_without_path(codec: MsgspecJsonCodec) -> None:
    """Bytes that are not JSON fail as DecodeError with no path."""
    with pytest.raises(DecodeError) as caught:
        codec.decode(b"<html>oops</html>", Outer)
    assert caught.value.path is None


@pytest.mark.parametrize("body", [b"", b"  \n"])
def test_empty_body_decodes_as_empty_object(codec: MsgspecJsonCodec, body: bytes) -> None:
    """Endpoints that answer with nothing yield a Struct built from its defaults."""
    assert codec.decode(body, Empty) == Empty()
    assert codec.decode(body, dict[str, int]) == {}


def test_decoders_are_built_once_per_type(codec: MsgspecJsonCodec) -> None:
    """Decoding the same type twice reuses one cached decoder."""
    codec.decode(b'{"status":"a"}', Empty)
    codec.decode(b'{"status":"b"}', Empty)
    codec.decode(b"[1]", list[int])
    assert set(codec._decoders) == {Empty, list[int]}
