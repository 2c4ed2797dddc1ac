"""MultipartFormEncoder: RFC 7578 layout, boundaries, and refusal of unsafe names."""

from __future__ import annotations

import email.parser
import email.policy
from typing import TYPE_CHECKING

import pytest

from tinkex.adapters.multipart import MultipartFormEncoder
from tinkex.errors import ValidationError
from tinkex.ports.multipart import Part

if TYPE_CHECKING:
    from collections.abc import Iterator


def _fixed(*boundaries: str) -> Iterator[str]:
    yield from boundaries


def _parse(content_type: str, body: bytes) -> list[tuple[str, dict[str, str], bytes]]:
    """Parse with the stdlib MIME parser: (disposition, params, payload) per part."""
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parsed = []
    for part in message.iter_parts():
        params = {key: str(value) for key, value in part["Content-Disposition"].params.items()}
        if part.get_content_type() != "text/plain" or "Content-Type" in part:
            params["content-type"] = part.get_content_type()
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parsed.append((part.get_content_disposition() or "", params, payload))
    return parsed


def test_fields_and_files_encode_in_order() -> None:
    """Text fields and file parts come out in order with names, filenames and types."""
    encoder = MultipartFormEncoder(boundary_factory=_fixed("b0undary").__next__)
    body = encoder.encode(
        [
            Part(name="note", data=b"hello"),
            Part(name="file", data=b"\x00\x01\r\n--x", filename="w.bin"),
            Part(name="meta", data=b"{}", filename="m.json", content_type="application/json"),
        ]
    )
    assert body.content_type == "multipart/form-data; boundary=b0undary"
    assert body.body.startswith(b'--b0undary\r\nContent-Disposition: form-data; name="note"\r\n')
    assert body.body.endswith(b"\r\n--b0undary--\r\n")
    assert _parse(body.content_type, body.body) == [
        ("form-data", {"name": "note"}, b"hello"),
        (
            "form-data",
            {"name": "file", "filename": "w.bin", "content-type": "application/octet-stream"},
            b"\x00\x01\r\n--x",
        ),
        (
            "form-data",
            {"name": "meta", "filename": "m.json", "content-type": "application/json"},
            b"{}",
        ),
    ]


def test_unicode_filenames_are_utf8() -> None:
    """Non-ASCII names are written as UTF-8 inside the quotes."""
    encoder = MultipartFormEncoder(boundary_factory=_fixed("bnd").__next__)
    body = encoder.encode([Part(name="f", data=b"x", filename="données.txt")])
    assert 'filename="données.txt"'.encode() in body.body


def test_boundaries_are_random_and_avoid_the_data() -> None:
    """Each body gets a fresh boundary, and one that occurs in the data is skipped."""
    default = MultipartFormEncoder()
    first = default.encode([Part(name="a", data=b"1")]).content_type
    second = default.encode([Part(name="a", data=b"1")]).content_type
    assert first != second
    encoder = MultipartFormEncoder(boundary_factory=_fixed("clash", "clean").__next__)
    body = encoder.encode([Part(name="a", data=b"--clash inside")])
    assert body.content_type.endswith("boundary=clean")


@pytest.mark.parametrize(
    ("part", "field"),
    [
        (Part(name='a"b', data=b""), "parts[1].name"),
        (Part(name="a\r\nX-Injected: 1", data=b""), "parts[1].name"),
        (Part(name="ok", data=b"", filename='evil".txt'), "parts[1].filename"),
        (Part(name="ok", data=b"", filename="a\nb"), "parts[1].filename"),
        (Part(name="", data=b""), "parts[1].name"),
        (
            Part(name="ok", data=b"", filename="f", content_type="a/b\r\nX: y"),
            "parts[1].content_type",
        ),
    ],
)
def test_unsafe_names_are_rejected_naming_the_field(part: Part, field: str) -> None:
    """Quotes, CR/LF and empty names raise ValidationError naming the offending part field."""
    with pytest.raises(ValidationError) as caught:
        MultipartFormEncoder().encode([Part(name="fine", data=b""), part])
    assert caught.value.field == field
