"""The stored credential: ``~/.tinker/credentials.json``, the file the official CLI writes.

Format (version 1)::

    {"version": 1, "default": "<key id>" | null,
     "keys": {"<key id>": {"type": "manual" | "generated", "key": "tml-...", "name": "...",
                           "note"?: "...", "details"?: {"org_details": {"name": ...},
                                                        "user_details": {"email": ...}}}}}

The directory is created owner-only (0700) and the file is written owner-only (0600) through a
temporary file renamed over the old one, so it is never seen half written or readable by
others. Keys read from it are remembered as secrets (`tinkex.redaction`), and no error quotes
the file's content.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinkex.errors import ConfigError
from tinkex.redaction import remember_secret

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CREDENTIALS_FILE",
    "CredentialsFile",
    "StoredKey",
    "credentials_path",
]

CREDENTIALS_FILE = Path(".tinker") / "credentials.json"
"""Where the file lives, relative to the home directory."""
_VERSION = 1
_DIR_MODE = 0o700
_FILE_MODE = 0o600
_KEY_TYPES = ("manual", "generated")


def credentials_path(env: Mapping[str, str]) -> Path | None:
    """``<home>/.tinker/credentials.json`` for the home directory `env` names.

    Returns None when `env` names no home (``HOME``, or ``USERPROFILE`` on Windows): an
    environment passed in explicitly without one has no stored credential.
    """
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) / CREDENTIALS_FILE if home else None


@dataclass(frozen=True)
class StoredKey:
    """One stored API key.

    Attributes:
        key_id: The id it is stored under (the server's key id for keys stored by login).
        key: The API key itself.
        name: Its name on the server.
        type: ``manual`` (pasted in) or ``generated`` (minted for an older CLI).
        note: The server's note, if any.
        details: Who the key belongs to (``org_details.name``, ``user_details.email``).
    """

    key_id: str
    key: str = field(repr=False)
    name: str
    type: str = "manual"
    note: str | None = None
    details: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        """The JSON record (None fields left out, as the official CLI writes it)."""
        out: dict[str, Any] = {"type": self.type, "key": self.key, "name": self.name}
        if self.note is not None:
            out["note"] = self.note
        if self.details is not None:
            out["details"] = self.details
        return out


class CredentialsFile:
    """Read and write the credentials file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"CredentialsFile({str(self.path)!r})"

    def default_key(self) -> StoredKey | None:
        """The default key, or None when no file, no default, or a default not stored.

        Raises:
            ConfigError: The file cannot be read or is not a credentials file.
        """
        data = self._load()
        default = data["default"]
        if default is None or default not in data["keys"]:
            return None
        return _stored(default, data["keys"][default], self.path)

    def store_default(self, stored: StoredKey) -> None:
        """Store `stored` under its key id and make it the default (atomic, owner-only)."""
        data = self._load()
        data["keys"][stored.key_id] = stored.record()
        data["default"] = stored.key_id
        self._save(data)

    def remove_default(self) -> StoredKey | None:
        """Delete the default key from the file; returns it (None when there was none)."""
        data = self._load()
        default = data["default"]
        if default is None or default not in data["keys"]:
            return None
        removed = _stored(default, data["keys"].pop(default), self.path)
        data["default"] = None
        self._save(data)
        return removed

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {"version": _VERSION, "default": None, "keys": {}}
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if (
            not isinstance(data, dict)
            or data.get("version", _VERSION) != _VERSION
            or not isinstance(data.get("keys", {}), dict)
            or not isinstance(data.get("default"), str | None)
        ):
            # Never quote the content: it holds keys.
            raise ConfigError(
                f"{self.path} is not a version-{_VERSION} Tinker credentials file; "
                "fix or delete it (tinkex auth logout), then log in again"
            )
        return {"version": _VERSION, "default": data.get("default"), "keys": data.get("keys", {})}

    def _save(self, data: dict[str, Any]) -> None:
        directory = self.path.parent
        if not directory.is_dir():
            directory.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            directory.chmod(_DIR_MODE)  # mkdir's mode is masked by the umask
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.")
        try:
            os.fchmod(fd, _FILE_MODE)  # before any key is written
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _stored(key_id: str, record: object, path: Path) -> StoredKey:
    if (
        not isinstance(record, dict)
        or record.get("type", "manual") not in _KEY_TYPES
        or not isinstance(record.get("key"), str)
        or not record["key"]
        or not isinstance(record.get("name", ""), str)
    ):
        raise ConfigError(f"{path}: the stored key {key_id!r} is malformed; log in again")
    remember_secret(record["key"])
    note, details = record.get("note"), record.get("details")
    return StoredKey(
        key_id=key_id,
        key=record["key"],
        name=str(record.get("name", "")),
        type=str(record.get("type", "manual")),
        note=note if isinstance(note, str) else None,
        details=details if isinstance(details, dict) else None,
    )
