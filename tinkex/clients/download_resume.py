"""One checkpoint's file transfers: resumed with ``Range``, size-checked, re-signed when expired.

Each file is streamed into ``<name>.part`` next to its destination; ``<name>.part.info`` keeps
what the server said about it (validator and size), so a later attempt, in this call or in
the next download of the same target, can ask for the rest with ``Range: bytes=<have>-`` and
``If-Range: <validator>``. A ``206`` whose ``Content-Range`` starts at ``<have>`` and whose
validator and size match is appended; a ``200`` (no range support, or a changed file), a
mismatching ``206`` or a ``416`` start the file over. The ``.part`` is renamed into place only
once it holds exactly the announced size.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Final

import msgspec

from tinkex.errors import APIConnectionError, APIStatusError, TinkexError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tinkex.clients.rest import RestClient
    from tinkex.domain.paths import CheckpointPath
    from tinkex.domain.types import ExternalWeightsUrlsResponse
    from tinkex.ports.download import ByteStream, FileFetcher

__all__ = [
    "EXPIRED_URL_STATUSES",
    "MAX_FILE_ATTEMPTS",
    "RESIGN_MARGIN_S",
    "DownloadSizeError",
    "FileTransfers",
]

RESIGN_MARGIN_S: Final = 300.0
"""Signed URLs with less than this many seconds left are fetched anew before use."""
MAX_FILE_ATTEMPTS: Final = 5
"""Requests per file: the first, resumes after dropped connections, restarts, one re-sign."""
EXPIRED_URL_STATUSES: Final = frozenset({400, 401, 403, 410})
"""What storage answers for an expired signature (S3 403, GCS 400, the embedded backend 410)."""
_RANGE_NOT_SATISFIABLE: Final = 416
_CONTENT_RANGE: Final = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*\Z", re.IGNORECASE)


class DownloadSizeError(TinkexError):
    """A downloaded file (or checkpoint) does not have the size the server announced.

    Attributes:
        file: The file (relative path) or checkpoint path concerned.
        expected_bytes: The announced size.
        received_bytes: What arrived.
    """

    def __init__(
        self, message: str, *, file: str, expected_bytes: int, received_bytes: int
    ) -> None:
        super().__init__(message)
        self.file = file
        self.expected_bytes = expected_bytes
        self.received_bytes = received_bytes


class _PartInfo(msgspec.Struct, frozen=True):
    """What the server said about the body a ``.part`` file holds the start of."""

    validator: str | None
    size: int | None


class _StartOverError(Exception):
    """The server's answer cannot extend the partial file: drop it and ask again."""


class FileTransfers:
    """Downloads one checkpoint's files, keeping the signed URLs fresh and counting bytes.

    Args:
        rest: Signs the URLs (again).
        source: The ``external_weights/`` checkpoint whose URLs these are.
        signed: The current signed URLs.
        fetcher: Opens them.
        progress: Told ``(bytes_done, bytes_total or None)`` after every chunk.
    """

    def __init__(
        self,
        rest: RestClient,
        source: CheckpointPath,
        signed: ExternalWeightsUrlsResponse,
        fetcher: FileFetcher,
        progress: Callable[[int, int | None], None] | None,
    ) -> None:
        self._rest = rest
        self._source = source
        self._signed = signed
        self._fetcher = fetcher
        self._progress = progress
        self.total: int | None = None
        self.done = 0
        self.all_sizes_announced = True
        self._received = 0  # body bytes of the current attempt

    async def _resign(self) -> None:
        self._signed = await self._rest.get_external_weights_urls(str(self._source))

    async def fetch(self, name: str, destination: Path) -> None:
        """Download file `name` to `destination`, resuming its ``.part`` when there is one.

        Raises:
            APIStatusError: The URL failed, even after one re-signing.
            APIConnectionError: The connection failed before any byte arrived, or on every
                attempt (the part is kept).
            DownloadSizeError: The body ended short of (part kept) or beyond (part removed)
                its announced size.
        """
        if self._signed.expires.timestamp() - self._rest.clock.time() < RESIGN_MARGIN_S:
            await self._resign()
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".part")
        info_file = destination.with_name(destination.name + ".part.info")
        resigned = False
        for attempt in range(MAX_FILE_ATTEMPTS):
            last = attempt == MAX_FILE_ATTEMPTS - 1
            try:
                size = await self._attempt(name, partial, info_file)
            except _StartOverError:
                _discard(partial, info_file)
                if last:
                    raise APIConnectionError(
                        f"could not download {name!r}: the server kept changing it"
                    ) from None
                continue
            except APIStatusError as exc:
                if exc.status == _RANGE_NOT_SATISFIABLE and not last:
                    _discard(partial, info_file)
                    continue
                # A URL that expired between signing and use is signed again, once; the
                # next request resumes from what the partial file already holds.
                if resigned or last or exc.status not in EXPIRED_URL_STATUSES:
                    raise
                resigned = True
                await self._resign()
                if name not in self._signed.urls:
                    raise
                continue
            except APIConnectionError:
                # Resume only a transfer that was moving: a host that cannot be reached, or
                # a body that never starts, fails at once rather than after every attempt.
                if last or self._received == 0:
                    raise
                continue
            partial.replace(destination)
            info_file.unlink(missing_ok=True)
            self.done += size
            return

    async def _attempt(self, name: str, partial: Path, info_file: Path) -> int:
        self._received = 0
        have, known = _part_state(partial, info_file)
        validator = known.validator if known is not None else None
        url = self._signed.urls[name]
        async with self._fetcher.open(url, start=have, if_range=validator) as stream:
            offset, size = _placement(stream, have, known)
            if offset == 0:
                _write_info(info_file, _PartInfo(stream.validator, size))
            if size is None:
                self.all_sizes_announced = False
            count = offset
            with partial.open("r+b" if offset else "wb") as sink:
                sink.seek(offset)
                sink.truncate()
                async for chunk in stream.chunks():
                    sink.write(chunk)
                    count += len(chunk)
                    self._received += len(chunk)
                    if size is not None and count > size:
                        break
                    if self._progress is not None:
                        self._progress(self.done + count, self.total)
        if size is not None and count != size:
            if count > size:
                _discard(partial, info_file)
            state = "removed" if count > size else "kept to resume"
            raise DownloadSizeError(
                f"{name!r} should be {size} bytes but {count} arrived (partial file {state})",
                file=name,
                expected_bytes=size,
                received_bytes=count,
            )
        return count


def _placement(stream: ByteStream, have: int, known: _PartInfo | None) -> tuple[int, int | None]:
    """Where the body goes in the file, and the file's announced size.

    Raises:
        _StartOverError: A ``206`` that does not continue the partial file as it stands.
    """
    if stream.status != 206:  # the whole body: no range support, or the file changed
        return 0, stream.total_bytes
    match = _CONTENT_RANGE.match(stream.content_range or "")
    if match is None or int(match[1]) != have or known is None:
        raise _StartOverError
    size = None if match[3] == "*" else int(match[3])
    changed_tag = known.validator is not None and stream.validator not in (None, known.validator)
    changed_size = known.size is not None and size is not None and size != known.size
    if changed_tag or changed_size:
        raise _StartOverError
    return have, size if size is not None else known.size


def _part_state(partial: Path, info_file: Path) -> tuple[int, _PartInfo | None]:
    """Bytes already in `partial` and what the server said about them (0, None: none)."""
    have = partial.stat().st_size if partial.is_file() else 0
    known = _read_info(info_file) if have else None
    # A part without its record cannot be trusted.
    return (have, known) if known is not None else (0, None)


def _read_info(path: Path) -> _PartInfo | None:
    # Two lines: the size (empty when unknown) and the validator (empty when none).
    with contextlib.suppress(OSError, UnicodeDecodeError, ValueError):
        size, validator = path.read_text(encoding="utf-8").split("\n", 1)
        return _PartInfo(validator or None, int(size) if size else None)
    return None


def _write_info(path: Path, info: _PartInfo) -> None:
    size = "" if info.size is None else str(info.size)
    path.write_text(f"{size}\n{info.validator or ''}", encoding="utf-8")


def _discard(partial: Path, info_file: Path) -> None:
    partial.unlink(missing_ok=True)
    info_file.unlink(missing_ok=True)
