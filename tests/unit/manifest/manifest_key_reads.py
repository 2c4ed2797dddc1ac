"""Record which keys of a loaded manifest are read, and list the keys a manifest file writes.

`KeyReads.recording(manifest)` swaps, for as long as it is active, every field descriptor of
the manifest's Struct classes for one that notes ``<key path>.<field>`` whenever the field is
read on one of that manifest's objects (objects of other manifests and the flows' own
configs are not noted). Encoding the whole manifest with msgspec (the compiled manifest) does
not go through the descriptors, so it does not count as reading: only code that looks a
value up does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["KeyPath", "KeyReads", "written_keys"]

KeyPath = tuple[str, ...]


def written_keys(data: Any, path: KeyPath = ()) -> set[KeyPath]:
    """Every leaf key of parsed YAML: keys whose value is neither a mapping nor holds one."""
    found: set[KeyPath] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            child = (*path, str(key))
            found |= written_keys(value, child) if _nested(value) else {child}
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found |= written_keys(value, (*path, str(index)))
    return found


def _nested(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(item, dict | list) for item in value)


class _RecordingField:
    """A stand-in for one field's member descriptor that notes reads on known objects."""

    def __init__(self, name: str, inner: Any, reads: KeyReads) -> None:
        self._name = name
        self._inner = inner
        self._reads = reads

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is not None:
            path = self._reads.owners.get(id(obj))
            if path is not None:
                self._reads.read.add((*path, self._name))
        return self._inner.__get__(obj, owner)


class KeyReads:
    """Where each Struct of recorded manifests sits, what fields exist, and what was read.

    Attributes:
        owners: Key path of every Struct object of the recorded manifests, by ``id``.
        fields: Every field path of those objects (defaults included).
        field_of: The ``Class.field`` name of each field path.
        read: The field paths read while recording.
    """

    def __init__(self) -> None:
        self.owners: dict[int, KeyPath] = {}
        self.fields: set[KeyPath] = set()
        self.field_of: dict[KeyPath, str] = {}
        self.read: set[KeyPath] = set()
        self._keep: list[object] = []  # the recorded manifests stay alive: ids stay unique

    @contextlib.contextmanager
    def recording(self, manifest: msgspec.Struct) -> Iterator[None]:
        """Note every read of `manifest`'s fields made inside the block."""
        self._keep.append(manifest)
        classes: set[type[msgspec.Struct]] = set()
        self._walk(manifest, (), classes)
        swapped: list[tuple[type, str, Any]] = []
        for cls in classes:
            for name in cls.__struct_fields__:
                # The descriptor lives on the class that declared the field (a base, maybe).
                klass = next(k for k in cls.__mro__ if name in k.__dict__)
                inner = klass.__dict__[name]
                if not isinstance(inner, _RecordingField):
                    swapped.append((klass, name, inner))
                    setattr(klass, name, _RecordingField(name, inner, self))
        try:
            yield
        finally:
            for klass, name, inner in swapped:
                setattr(klass, name, inner)

    def _walk(self, value: Any, path: KeyPath, classes: set[type[msgspec.Struct]]) -> None:
        if isinstance(value, msgspec.Struct):
            self.owners[id(value)] = path
            classes.add(type(value))
            for name in value.__struct_fields__:
                field_path = (*path, name)
                self.fields.add(field_path)
                self.field_of[field_path] = f"{type(value).__name__}.{name}"
                self._walk(getattr(value, name), field_path, classes)
        elif isinstance(value, dict):
            for key, item in value.items():
                self._walk(item, (*path, str(getattr(key, "value", key))), classes)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._walk(item, (*path, str(index)), classes)

    def field_for(self, key: KeyPath) -> KeyPath:
        """The field a written key belongs to: the longest field path that starts it.

        A key inside a mapping of plain values (``errors.status.404``) belongs to the field
        holding the mapping; a feature block's ``type`` to the ``features`` field, whose
        decoding it steers.
        """
        for end in range(len(key), 0, -1):
            if key[:end] in self.fields:
                return key[:end]
        raise KeyError(".".join(key))
