"""Load `tinker.yaml` into a validated `Manifest`, naming key path and line on any error.

`load_manifest()` without an argument reads the shipped manifest from its compiled form
(`tinkex.manifest.compiled`, written by the generator and kept in step by ``--check``), so
PyYAML and the validator are imported only when a custom manifest is given.
"""

from __future__ import annotations

import base64
import functools
import re
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

import msgspec

from tinkex.manifest.schema import Manifest

if TYPE_CHECKING:
    import os

    from tinkex.manifest.yaml_source import KeyPath, SourceMap

__all__ = ["default_manifest_path", "load_compiled_manifest", "load_manifest"]

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<at>[^`]*)`)?$", re.DOTALL)
_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")
_MISSING = re.compile(r"missing required field `([^`]+)`")


def default_manifest_path() -> Path:
    """The manifest shipped with tinkex (`tinkex/manifest/tinker.yaml`)."""
    return Path(__file__).with_name("tinker.yaml")


def load_manifest(
    path_or_text: str | os.PathLike[str] | None = None, *, source: str | None = None
) -> Manifest:
    """Parse and validate a manifest.

    Args:
        path_or_text: A file path, or the YAML text itself (any string containing a newline
            is taken as text). None loads the shipped `tinker.yaml`, from its compiled form.
        source: Label used in error messages; defaults to the file path or ``<manifest>``.

    Returns:
        The validated manifest.

    Raises:
        ManifestError: Invalid YAML, an unknown key, a wrong type, a missing required key,
            or a bad reference; the message names the key path and the 1-based line.
    """
    if path_or_text is None:
        return load_compiled_manifest()
    # Only custom manifests need the YAML reader and the validator.
    from tinkex.manifest.validate import validate_manifest
    from tinkex.manifest.yaml_source import read_yaml

    if isinstance(path_or_text, str) and "\n" in path_or_text:
        text, label = path_or_text, source or "<manifest>"
    else:
        path = Path(path_or_text)
        text, label = path.read_text(encoding="utf-8"), source or str(path)
    data, source_map = read_yaml(text, source=label)
    manifest: Manifest = _convert(data, Manifest, (), source_map)
    validate_manifest(manifest, source_map)
    return manifest


def load_compiled_manifest() -> Manifest:
    """The shipped manifest from `tinkex.manifest.compiled` (validated when generated)."""
    from tinkex.manifest.compiled import MANIFEST_MSGPACK_B64  # 67 KB, on use

    return msgspec.msgpack.decode(base64.b64decode(MANIFEST_MSGPACK_B64), type=Manifest)


@functools.cache
def _struct_fields(tp: type[msgspec.Struct]) -> tuple[tuple[str, Any, bool], ...]:
    """(wire name, type, contains a Struct) per field; resolving annotations is slow."""
    return tuple(
        (info.encode_name, info.type, _has_struct(info.type)) for info in msgspec.structs.fields(tp)
    )


def _is_struct(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _members(tp: object) -> tuple[Any, ...]:
    origin = get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return get_args(tp)
    return ()


def _has_struct(tp: object) -> bool:
    if _is_struct(tp):
        return True
    return any(_has_struct(arg) for arg in get_args(tp))


def _convert(data: Any, tp: Any, path: KeyPath, smap: SourceMap) -> Any:
    """Convert `data` to `tp`, descending into containers so errors keep dict keys."""
    members = _members(tp)
    if members:
        return _convert_union(data, members, path, smap)
    origin = get_origin(tp)
    if origin is dict and _has_struct(get_args(tp)[1]):
        if not isinstance(data, dict):
            raise smap.error(path, f"expected a mapping, got {_kind(data)}")
        value_type = get_args(tp)[1]
        return {k: _convert(v, value_type, (*path, str(k)), smap) for k, v in data.items()}
    if origin is list and _has_struct(get_args(tp)[0]):
        if not isinstance(data, list):
            raise smap.error(path, f"expected a list, got {_kind(data)}")
        item_type = get_args(tp)[0]
        return [_convert(v, item_type, (*path, i), smap) for i, v in enumerate(data)]
    if _is_struct(tp):
        return _convert_struct(data, tp, path, smap)
    return data


def _convert_union(data: Any, members: tuple[Any, ...], path: KeyPath, smap: SourceMap) -> Any:
    structs = [m for m in members if _is_struct(m)]
    if not structs or (data is None and type(None) in members):
        return data
    if not isinstance(data, dict):
        return data if len(structs) < len(members) else _convert(data, structs[0], path, smap)
    tag_field = structs[0].__struct_config__.tag_field
    if tag_field is None or len(structs) == 1:
        return _convert(data, structs[0], path, smap)
    by_tag = {s.__struct_config__.tag: s for s in structs}
    tag = data.get(tag_field)
    if tag not in by_tag:
        choices = ", ".join(sorted(str(t) for t in by_tag))
        where = (*path, tag_field) if tag_field in data else path
        raise smap.error(where, f"unknown {tag_field} {tag!r}; expected one of: {choices}")
    return _convert(data, by_tag[tag], path, smap)


def _convert_struct(data: Any, tp: type[msgspec.Struct], path: KeyPath, smap: SourceMap) -> Any:
    if not isinstance(data, dict):
        raise smap.error(path, f"expected a mapping, got {_kind(data)}")
    prepared = dict(data)
    for key, field_type, nested in _struct_fields(tp):
        if nested and key in data:
            prepared[key] = _convert(data[key], field_type, (*path, key), smap)
    try:
        return msgspec.convert(prepared, tp, str_keys=True)
    except msgspec.ValidationError as exc:
        raise _translate(str(exc), path, smap) from None


def _translate(text: str, path: KeyPath, smap: SourceMap) -> Exception:
    match = _AT.match(text)
    message = match.group("msg") if match else text
    at = (match.group("at") if match else None) or ""
    sub: list[str | int] = [
        part.group(1) if part.group(1) is not None else int(part.group(2))
        for part in _PART.finditer(at)
    ]
    unknown, missing = _UNKNOWN.search(message), _MISSING.search(message)
    if unknown is not None:
        sub.append(unknown.group(1))
        message = f"unknown key {unknown.group(1)!r}"
    elif missing is not None:
        sub.append(missing.group(1))
        message = f"missing required key {missing.group(1)!r}"
    return smap.error((*path, *sub), message)


def _kind(data: object) -> str:
    return "nothing" if data is None else type(data).__name__
