"""Checkpoints on disk plus the JSON index of runs, checkpoints, sessions and samplers.

Layout under the data directory::

    index.json                               all metadata (atomically replaced on change)
    secret.key                               HMAC key of signed download URLs
    checkpoints/<quoted run id>/<segment>/<name>/<files>

A new backend on the same directory sees every run and checkpoint and can load them.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec

from tinkex.local.records import SEGMENT_TYPES, CheckpointRecord, Index
from tinkex.local.reply import UserError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.ports.clock import Clock

__all__ = ["MAX_TTL_S", "MIN_TTL_S", "CheckpointStore", "default_data_dir", "parse_tinker_path"]

MIN_TTL_S = 3600
MAX_TTL_S = 10 * 365 * 24 * 3600
MAX_NAME_CHARS = 255
# Run ids are `<session>:train:<n>`-like: letters, digits and `-_.:`, never a dot first.
_RUN_ID = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.:\-]{0,254}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def default_data_dir() -> Path:
    """``$XDG_CACHE_HOME/tinkex/local``, else ``~/.cache/tinkex/local``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinkex" / "local"


def parse_tinker_path(path: str, *, short: bool = False) -> tuple[str, str, str]:
    """Split ``tinker://<run>/<segment>/<name>`` into its three parts.

    The run id and name are single, well-formed path segments (no ``..``, separators or
    control characters), so no path the caller writes can reach outside the data directory.

    Args:
        path: The path.
        short: Also accept ``tinker://<run>/<name>``, the shape this backend hands out for
            sampler weights when told to (it names ``sampler_weights/<name>``).

    Raises:
        UserError: The path is not a tinker checkpoint path.
    """
    if not path.startswith("tinker://"):
        raise UserError(f"Invalid tinker path: {path[:300]!r} (must start with tinker://)")
    parts = path[len("tinker://") :].split("/")
    if short and len(parts) == 2 and _RUN_ID.match(parts[0]):
        check_name(parts[1])
        return parts[0], "sampler_weights", parts[1]
    if len(parts) != 3 or parts[1] not in SEGMENT_TYPES or not _RUN_ID.match(parts[0]):
        raise UserError(
            f"Invalid tinker path: {path[:300]!r} (expected tinker://<run id>/"
            f"<{'|'.join(SEGMENT_TYPES)}>/<name>)"
        )
    check_name(parts[2])
    return parts[0], parts[1], parts[2]


def check_ttl(ttl_s: int | None) -> None:
    """Validate a checkpoint TTL: None (never expires) or 3600 s … 10 years.

    Raises:
        UserError: Out of range.
    """
    if ttl_s is not None and not MIN_TTL_S <= ttl_s <= MAX_TTL_S:
        raise UserError(f"ttl_seconds must be between {MIN_TTL_S} and {MAX_TTL_S}, got {ttl_s}")


def check_name(name: str) -> None:
    """Validate a checkpoint name (one path segment).

    Raises:
        UserError: Empty, longer than 255 characters, holding a slash, a backslash or a
            control character, or starting with a dot.
    """
    if (
        not name
        or len(name) > MAX_NAME_CHARS
        or "/" in name
        or "\\" in name
        or name.startswith(".")
        or _CONTROL.search(name)
    ):
        raise UserError(f"invalid checkpoint name {name[:300]!r}")


class CheckpointStore:
    """The data directory: checkpoint files and the metadata index.

    Args:
        root: The data directory (created if missing).
        clock: Wall-clock source for creation and expiry times.
        short_sampler_paths: Hand out sampler weights as ``tinker://<run>/<name>`` and accept
            that shape back (as some servers do); other checkpoints keep the official shape.
    """

    def __init__(self, root: Path, clock: Clock, *, short_sampler_paths: bool = False) -> None:
        self.root = root
        self._clock = clock
        self.short_sampler_paths = short_sampler_paths
        root.mkdir(parents=True, exist_ok=True)
        index_path = root / "index.json"
        self.index = (
            msgspec.json.decode(index_path.read_bytes(), type=Index)
            if index_path.exists()
            else Index()
        )
        key_path = root / "secret.key"
        if not key_path.exists():
            key_path.write_bytes(secrets.token_bytes(32))
            key_path.chmod(0o600)
        self.secret = key_path.read_bytes()

    def save_index(self) -> None:
        """Write the index atomically."""
        tmp = self.root / "index.json.tmp"
        tmp.write_bytes(msgspec.json.encode(self.index))
        tmp.replace(self.root / "index.json")

    def directory(self, run_id: str, segment: str, name: str) -> Path:
        """Where a checkpoint's files live (always inside the data directory).

        Raises:
            UserError: The parts would lead elsewhere (an index edited by hand).
        """
        check_name(name)
        run = quote(run_id, safe="")
        if segment not in SEGMENT_TYPES or run.startswith("."):
            raise UserError(f"invalid checkpoint location {run_id!r}/{segment!r}")
        return self.root / "checkpoints" / run / segment / name

    def relative(self, record: CheckpointRecord, file: str) -> str:
        """A checkpoint file's path relative to the data directory."""
        path = self.directory(record.run_id, record.segment, record.name) / file
        return path.relative_to(self.root).as_posix()

    def write(
        self,
        run_id: str,
        segment: str,
        name: str,
        files: Mapping[str, bytes],
        *,
        ttl_s: int | None,
        user_metadata: dict[str, str] | None,
        overwrite: bool = True,
    ) -> CheckpointRecord:
        """Store a checkpoint's files and index it.

        Raises:
            UserError: Bad name or TTL, or the checkpoint exists and `overwrite` is false.
        """
        check_name(name)
        check_ttl(ttl_s)
        now = self._clock.time()
        path = f"tinker://{run_id}/{segment}/{name}"
        self.sweep()
        if path in self.index.checkpoints and not overwrite:
            raise UserError(f"checkpoint {path} already exists (pass overwrite=True)", status=409)
        directory = self.directory(run_id, segment, name)
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        for file, data in files.items():
            (directory / file).write_bytes(data)
        record = CheckpointRecord(
            run_id=run_id,
            segment=segment,
            name=name,
            created_at=now,
            size_bytes=sum(len(d) for d in files.values()),
            files=sorted(files),
            expires_at=None if ttl_s is None else now + ttl_s,
            user_metadata=user_metadata,
            short=self.short_sampler_paths and segment == "sampler_weights",
        )
        self.index.checkpoints[path] = record
        self.save_index()
        return record

    def get(self, tinker_path: str) -> CheckpointRecord:
        """Look a checkpoint up by path (a short one too, when this store hands them out).

        Raises:
            UserError: Malformed path (400) or no such checkpoint (404).
        """
        run_id, segment, name = parse_tinker_path(tinker_path, short=self.short_sampler_paths)
        self.sweep()
        record = self.index.checkpoints.get(f"tinker://{run_id}/{segment}/{name}")
        if record is None:
            raise UserError(f"checkpoint {tinker_path} not found", status=404)
        return record

    def read(self, record: CheckpointRecord, file: str) -> bytes:
        """Read one file of a checkpoint."""
        return (self.directory(record.run_id, record.segment, record.name) / file).read_bytes()

    def delete(self, record: CheckpointRecord) -> None:
        """Remove a checkpoint's files and index entry."""
        shutil.rmtree(self.directory(record.run_id, record.segment, record.name), True)
        self.index.checkpoints.pop(record.canonical_path, None)
        self.save_index()

    def set_ttl(self, record: CheckpointRecord, ttl_s: int | None) -> None:
        """Reset a checkpoint's expiry relative to now (None removes it)."""
        check_ttl(ttl_s)
        record.expires_at = None if ttl_s is None else self._clock.time() + ttl_s
        self.save_index()

    def set_public(self, record: CheckpointRecord, public: bool) -> None:
        """Publish or unpublish.

        Raises:
            UserError: 409 when it already is in that state.
        """
        if record.public == public:
            state = "public" if public else "private"
            raise UserError(f"checkpoint {record.tinker_path} is already {state}", status=409)
        record.public = public
        self.save_index()

    def sweep(self) -> None:
        """Delete expired checkpoints."""
        now = self._clock.time()
        expired = [
            r
            for r in self.index.checkpoints.values()
            if r.expires_at is not None and r.expires_at <= now
        ]
        for record in expired:
            self.delete(record)

    def checkpoints_of(self, run_id: str) -> list[CheckpointRecord]:
        """A run's checkpoints, oldest first."""
        self.sweep()
        found = [r for r in self.index.checkpoints.values() if r.run_id == run_id]
        return sorted(found, key=lambda r: r.created_at)
