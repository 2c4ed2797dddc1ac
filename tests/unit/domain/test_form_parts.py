"""form_parts and encode_form: how a request object becomes multipart/form-data parts."""

from __future__ import annotations

import msgspec
import pytest

from tinkex.adapters.multipart import MultipartFormEncoder
from tinkex.domain.form_parts import encode_form, form_parts
from tinkex.errors import ConfigError, ValidationError
from tinkex.ports.endpoint import EndpointSpec
from tinkex.ports.multipart import MultipartBody, Part

UPLOAD = EndpointSpec(name="files.upload", method="POST", path="/f", request_codec="multipart")


class Upload(msgspec.Struct, kw_only=True, tag="upload", rename={"title": "Title"}):
    """A tagged request with a renamed field, bytes, nesting and an unset field."""

    title: str
    blob: bytes
    flags: dict[str, bool]
    extra: str | msgspec.UnsetType = msgspec.UNSET


class Pair(msgspec.Struct, array_like=True):
    """A request with no field names on the wire."""

    a: int
    b: int


def _view(parts: list[Part]) -> list[tuple[str, bytes, str | None, str | None]]:
    return [(p.name, p.data, p.filename, p.content_type) for p in parts]


def test_a_struct_sends_its_wire_names_then_its_bytes_fields_as_files() -> None:
    """Tag and renames as on the JSON wire; unset fields left out; bytes become a file."""
    parts = form_parts(Upload(title="t", blob=b"\x00raw", flags={"on": True, "off": False}))
    assert _view(parts) == [
        ("type", b"upload", None, None),
        ("Title", b"t", None, None),
        ("flags[on]", b"true", None, None),
        ("flags[off]", b"false", None, None),
        ("blob", b"\x00raw", "blob", "application/octet-stream"),
    ]


def test_a_mapping_and_ready_made_parts_are_accepted() -> None:
    """A mapping is flattened the same way; a list of Parts is sent as it is."""
    assert _view(form_parts({"f": b"1", "n": None, "xs": [1, 2]})) == [
        ("n", b"", None, None),
        ("xs[]", b"1", None, None),
        ("xs[]", b"2", None, None),
        ("f", b"1", "f", "application/octet-stream"),
    ]
    ready = [Part(name="a", data=b"1", filename="a.txt", content_type="text/plain")]
    assert form_parts(ready) == ready


@pytest.mark.parametrize("body", [b"raw bytes", "text", 42, Pair(a=1, b=2)])
def test_a_body_with_no_field_names_is_refused(body: object) -> None:
    """Bytes, text, numbers and array-like structs cannot name form fields."""
    with pytest.raises(ValidationError) as caught:
        form_parts(body)
    assert caught.value.field == "body"


def test_encode_form_draws_a_boundary_per_body_and_passes_encoded_bodies_through() -> None:
    """Each body gets the encoder's next boundary; a caller's MultipartBody is kept."""
    boundaries = iter(["b-one", "b-two"])
    encoder = MultipartFormEncoder(boundary_factory=boundaries.__next__)
    first = encode_form(encoder, UPLOAD, {"a": "1"})
    second = encode_form(encoder, UPLOAD, {"a": "1"})
    assert first.content_type == "multipart/form-data; boundary=b-one"
    assert second.content_type == "multipart/form-data; boundary=b-two"
    assert first.body == (
        b'--b-one\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b-one--\r\n'
    )
    mine = MultipartBody(content_type="multipart/form-data; boundary=z", body=b"--z--\r\n")
    assert encode_form(encoder, UPLOAD, mine) is mine


def test_encode_form_refuses_other_body_kinds_and_a_missing_encoder() -> None:
    """A body kind with no codec that is not multipart, or no encoder, is a ConfigError."""
    odd = msgspec.structs.replace(UPLOAD, request_codec="yaml")
    with pytest.raises(ConfigError, match=r"no 'yaml' codec for files\.upload"):
        encode_form(MultipartFormEncoder(), odd, {"a": "1"})
    with pytest.raises(ConfigError, match="no 'multipart' codec"):
        encode_form(None, UPLOAD, {"a": "1"})
