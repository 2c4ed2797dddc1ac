"""Download a checkpoint's files to disk through signed URLs.

```python
result = await download_checkpoint(rest, "tinker://run-1/external_weights/final", "out/")
print(result.destination)          # out/run-1_external_weights_final/
```

``external_weights/`` checkpoints are downloaded directly. A ``weights/`` (training state) path
needs a `ServiceClient`: a temporary training run is created from the state, exported with
``save_weights_external("download", ttl 3600)``, downloaded, and the export is deleted again.
Files are streamed in chunks into a staging directory next to the target,
``.<target>.partial``, each through a ``.part`` file renamed when complete (see
`tinkex.clients.download_resume`): a dropped connection resumes with ``Range`` from what
arrived, an expired signed URL is signed again once, and every file's size is checked against
what the server announced. The staging directory is renamed onto the target only once every
file is in, so an interrupted download never leaves a half-written target; after a failure it
stays, so the next download of the same target resumes its partial files.
Relative paths from the server are checked so that none can escape the target directory.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final, TypeAlias

import msgspec

from tinkex.clients.download_resume import RESIGN_MARGIN_S, DownloadSizeError, FileTransfers
from tinkex.domain.paths import (
    TINKER_SCHEME,
    CheckpointKind,
    CheckpointPath,
    parse_tinker_path,
    require_kind,
)
from tinkex.errors import TinkexError, ValidationError
from tinkex.ports.download import ByteStream, FileFetcher

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.clients.rest import RestClient
    from tinkex.clients.service import ServiceClient

__all__ = [
    "DOWNLOAD_EXPORT_NAME",
    "DOWNLOAD_EXPORT_TTL_S",
    "RESIGN_MARGIN_S",
    "ByteStream",
    "DownloadResult",
    "DownloadSizeError",
    "FileFetcher",
    "ProgressCallback",
    "check_distinct_paths",
    "download_checkpoint",
    "safe_relative_path",
    "target_directory",
]

DOWNLOAD_EXPORT_NAME: Final = "download"
"""Name of the temporary export made to download a training state."""
DOWNLOAD_EXPORT_TTL_S: Final = 3600
"""Lifetime of that export, in case the deletion after the download fails."""

ProgressCallback: TypeAlias = Callable[[int, int | None], None]
"""Told ``(bytes_done, bytes_total or None)`` after every chunk."""
_KINDS: Final[tuple[CheckpointKind, ...]] = ("external", "training")


class DownloadResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a download produced.

    Attributes:
        checkpoint_path: The ``tinker://`` path that was downloaded.
        destination: The directory holding the files.
        file_size_bytes: Bytes written in total.
        files: The relative paths written, sorted.
    """

    checkpoint_path: str
    destination: Path
    file_size_bytes: int
    files: list[str]


def target_directory(path: CheckpointPath, output_dir: Path) -> Path:
    """``<output_dir>/<path without tinker://, '/' replaced by '_'>``."""
    return output_dir / str(path)[len(TINKER_SCHEME) :].replace("/", "_")


def safe_relative_path(name: str) -> PurePosixPath:
    """Check a server-supplied relative file path.

    Raises:
        ValidationError: The path is empty, absolute, has a drive or a backslash, or has an
            empty, ``.`` or ``..`` segment.
    """
    segments = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or ":" in segments[0]
        or any(part in ("", ".", "..") for part in segments)
    ):
        raise ValidationError(f"refusing unsafe file path {name!r} from the server", field="urls")
    return PurePosixPath(name)


def check_distinct_paths(files: Mapping[str, PurePosixPath]) -> None:
    """Check that the server's file paths can all be written side by side.

    Two names differing only in case would overwrite each other on a case-insensitive file
    system (macOS, Windows), and a name that is also the folder of another cannot be both.

    Raises:
        ValidationError: Two paths collide; the message names both.
    """
    seen: dict[tuple[str, ...], str] = {}
    folders: dict[tuple[str, ...], str] = {}
    for name in sorted(files):
        key = tuple(part.casefold() for part in files[name].parts)
        if key in seen:
            raise ValidationError(
                f"the server listed {seen[key]!r} and {name!r}, which name the same file "
                "on a case-insensitive file system",
                field="urls",
            )
        seen[key] = name
        for depth in range(1, len(key)):
            folders.setdefault(key[:depth], name)
    for key, name in seen.items():
        if key in folders:
            raise ValidationError(
                f"the server listed {name!r} as a file and as the folder of {folders[key]!r}",
                field="urls",
            )


async def download_checkpoint(
    rest: RestClient,
    tinker_path: str,
    output_dir: str | Path,
    *,
    fetcher: FileFetcher,
    force: bool = False,
    progress: ProgressCallback | None = None,
    service: ServiceClient | None = None,
) -> DownloadResult:
    """Download a checkpoint's files into a new directory under `output_dir`.

    Args:
        rest: Resolves signed URLs (and deletes the temporary export of a training state).
        tinker_path: An ``external_weights/`` path, or a ``weights/`` path with `service`.
        output_dir: Where the checkpoint directory is created.
        fetcher: Streams the signed URLs (e.g. `AiohttpFileFetcher`).
        force: Replace an existing target directory.
        progress: Called with ``(bytes_done, bytes_total or None)`` after every chunk.
        service: Needed for ``weights/`` paths, to export the training state first.

    Returns:
        Where the files went and how many bytes they hold.

    Raises:
        ValidationError: Bad or sampler path, a training path without `service`, an existing
            target without `force`, or an unsafe file path from the server.
        APIStatusError: A signed URL could not be fetched, even after re-signing.
        APIConnectionError: The connection kept failing (partial files are kept to resume).
        DownloadSizeError: A file, or the checkpoint, is not the size the server announced.
    """
    path = require_kind(tinker_path, _KINDS, field="tinker_path")
    target = target_directory(path, Path(output_dir))
    if target.exists() and not force:
        raise ValidationError(
            f"{target} already exists; pass force=True (--force) to replace it", field="output_dir"
        )
    if path.kind == "external":
        return await _download_external(rest, path, path, target, fetcher, progress)
    if service is None:
        raise ValidationError(
            "downloading a training state (weights/) needs a ServiceClient to export it first; "
            "or pass an external_weights/ path",
            field="tinker_path",
        )
    training = await service.create_training_client_from_state(
        str(path), user_metadata={"created_by": "tinkex checkpoint download"}
    )
    export = await training.save_weights_external(
        DOWNLOAD_EXPORT_NAME, ttl_seconds=DOWNLOAD_EXPORT_TTL_S
    )
    if export.path is None:
        raise ValidationError("the server returned no path for the export", field="tinker_path")
    exported = parse_tinker_path(export.path)
    try:
        return await _download_external(rest, exported, path, target, fetcher, progress)
    finally:
        # The export only existed for this download; its TTL cleans up if deletion fails.
        with contextlib.suppress(TinkexError):
            await rest.delete_checkpoint_from_tinker_path(str(exported))


async def _download_external(
    rest: RestClient,
    source: CheckpointPath,
    shown: CheckpointPath,
    target: Path,
    fetcher: FileFetcher,
    progress: ProgressCallback | None,
) -> DownloadResult:
    signed = await rest.get_external_weights_urls(str(source))
    files = {name: safe_relative_path(name) for name in signed.urls}
    check_distinct_paths(files)
    run = FileTransfers(rest, source, signed, fetcher, progress)
    run.total = await _expected_size(rest, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A fixed name, kept after a failure: the next download of this target resumes from it.
    staging = target.parent / f".{target.name}.partial"
    staging.mkdir(exist_ok=True)
    for name in sorted(files):
        await run.fetch(name, staging.joinpath(*files[name].parts))
    if not run.all_sizes_announced and run.total is not None and run.done != run.total:
        # Without a size per file, the listing's total is the only check there is.
        shutil.rmtree(staging, ignore_errors=True)
        raise DownloadSizeError(
            f"{source} should be {run.total} bytes but its files hold {run.done}",
            file=str(source),
            expected_bytes=run.total,
            received_bytes=run.done,
        )
    _prune(staging, {staging.joinpath(*p.parts) for p in files.values()})
    _promote(staging, target)
    return DownloadResult(
        checkpoint_path=str(shown),
        destination=target,
        file_size_bytes=run.done,
        files=sorted(files),
    )


def _prune(staging: Path, wanted: set[Path]) -> None:
    # A staging directory kept from an earlier attempt may hold files no longer listed.
    for path in sorted(staging.rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path not in wanted:
            path.unlink()


def _promote(staging: Path, target: Path) -> None:
    # Only reached with force=True when the target exists (checked before downloading).
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


async def _expected_size(rest: RestClient, source: CheckpointPath) -> int | None:
    # For the progress total and the size check: a listing failure must not stop the download.
    try:
        listing = await rest.list_checkpoints(source.training_run_id)
    except TinkexError:
        return None
    for checkpoint in listing.checkpoints:
        if checkpoint.tinker_path == str(source):
            return checkpoint.size_bytes
    return None
