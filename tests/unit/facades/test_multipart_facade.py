"""The public multipart encoder: bracket-key form fields and explicit file values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tinkex.errors import ValidationError
from tinkex.multipart import FileSpec, encode_multipart, file_parts, serialize_form_fields

if TYPE_CHECKING:
    from pathlib import Path


def test_nested_fields_flatten_to_bracket_keys() -> None:
    """Maps nest as [key], lists repeat as [], None is empty, bools are lowercase."""
    pairs = serialize_form_fields(
        {
            "note": "hi",
            "metadata": {"source": "demo", "v": 2},
            "tags": ["a", "b"],
            "n": None,
            "ok": True,
            "deep": {"x": {"y": [1]}},
        }
    )
    assert pairs == [
        ("note", "hi"),
        ("metadata[source]", "demo"),
        ("metadata[v]", "2"),
        ("tags[]", "a"),
        ("tags[]", "b"),
        ("n", ""),
        ("ok", "true"),
        ("deep[x][y][]", "1"),
    ]


def test_file_values_are_explicit(tmp_path: Path) -> None:
    """Paths are read (name and guessed type), bytes use the field name, FileSpec is as given."""
    path = tmp_path / "sample.txt"
    path.write_bytes(b"hello")
    parts = file_parts(
        [
            ("a", path),
            ("b", b"\x00\x01"),
            ("c", FileSpec(filename="w.bin", content=b"z", content_type="x/y")),
        ]
    )
    assert [(p.name, p.filename, p.content_type, p.data) for p in parts] == [
        ("a", "sample.txt", "text/plain", b"hello"),
        ("b", "b", "application/octet-stream", b"\x00\x01"),
        ("c", "w.bin", "x/y", b"z"),
    ]


def test_text_is_never_taken_for_a_path_and_directories_are_refused(tmp_path: Path) -> None:
    """A str file value is refused (no guessing), and so is a directory."""
    with pytest.raises(ValidationError, match="files"):
        file_parts({"f": "./looks/like/a/path"})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="directory"):
        file_parts({"f": tmp_path})


def test_encoded_body_has_fields_then_files_under_one_boundary() -> None:
    """The body lists field parts then file parts, and ends with the closing delimiter."""
    body = encode_multipart({"meta": {"k": "v"}}, {"file": b"DATA"}, boundary="b0undary")
    assert body.content_type == "multipart/form-data; boundary=b0undary"
    text = body.body.decode()
    assert text.index('name="meta[k]"') < text.index('name="file"; filename="file"')
    assert text.endswith("--b0undary--\r\n")
    assert text.count("--b0undary\r\n") == 2


def test_random_boundaries_differ_per_body() -> None:
    """Without a fixed boundary each body gets a fresh one."""
    first = encode_multipart({"a": "1"})
    second = encode_multipart({"a": "1"})
    assert first.content_type != second.content_type
