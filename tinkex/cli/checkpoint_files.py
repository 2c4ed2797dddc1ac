"""``tinkex checkpoint download`` and ``tinkex checkpoint delete``."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tinkex.cli.connect import connect
from tinkex.cli.errors import describe_error
from tinkex.cli.output import format_size
from tinkex.clients.checkpoint_download import download_checkpoint
from tinkex.domain.paths import parse_tinker_path
from tinkex.errors import TinkexError, ValidationError

if TYPE_CHECKING:
    from tinkex.cli.context import CommandContext
    from tinkex.clients.rest import RestClient
    from tinkex.domain.types import Checkpoint

__all__ = ["register"]

PARALLEL_DELETES: Final = 32
_TYPES: Final[dict[str, str]] = {
    "weights": "training",
    "sampler_weights": "sampler",
    "external_weights": "external",
    "training": "training",
    "sampler": "sampler",
    "external": "external",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``download`` and ``delete`` to the ``checkpoint`` group."""
    download = commands.add_parser("download", help="download a checkpoint's files")
    download.add_argument("path", metavar="TINKER_PATH")
    download.add_argument("--output", "-o", type=Path, default=Path(), help="parent directory")
    download.add_argument("--force", action="store_true", help="replace an existing download")
    download.set_defaults(handler=checkpoint_download)
    delete = commands.add_parser("delete", help="delete checkpoints")
    delete.add_argument("paths", nargs="*", metavar="TINKER_PATH")
    delete.add_argument("--run-id", help="delete this run's checkpoints (with the filters)")
    delete.add_argument("--type", choices=sorted(_TYPES), help="only checkpoints of this type")
    delete.add_argument("--before", type=_utc, help="only those created before (ISO, UTC)")
    delete.add_argument("--after", type=_utc, help="only those created after (ISO, UTC)")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=checkpoint_delete)


def _utc(text: str) -> datetime:
    # argparse turns ArgumentTypeError into a usage error naming the option.
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def checkpoint_download(ctx: CommandContext) -> int:
    """Download an external_weights or weights checkpoint into ``<output>/<flattened path>``."""
    path = parse_tinker_path(ctx.args.path, field="TINKER_PATH")
    progress = ctx.transfer_progress()
    async with connect(ctx.options) as conn:
        service = None
        if path.kind == "training":
            service = await conn.service(user_metadata={"created_by": "tinkex checkpoint download"})
        try:
            result = await download_checkpoint(
                conn.rest,
                str(path),
                ctx.args.output,
                fetcher=conn.fetcher,
                force=ctx.args.force,
                service=service,
                progress=progress,
            )
        finally:
            progress.close()
    document = {
        "checkpoint_path": result.checkpoint_path,
        "destination": str(result.destination),
        "file_size_bytes": result.file_size_bytes,
    }
    ctx.emit(
        document,
        lambda: (
            f"Downloaded {result.checkpoint_path} ({format_size(result.file_size_bytes)}, "
            f"{len(result.files)} files) to {result.destination}\n"
        ),
    )
    return 0


async def checkpoint_delete(ctx: CommandContext) -> int:
    """Delete the given paths, or a run's checkpoints matching the filters (after confirming)."""
    args = ctx.args
    if bool(args.paths) == bool(args.run_id):
        raise ValidationError("give TINKER_PATHs or --run-id (not both)", field="paths")
    if args.paths and (args.type or args.before or args.after):
        raise ValidationError("--type/--before/--after need --run-id", field="paths")
    for text in args.paths:
        parse_tinker_path(text, field="TINKER_PATH")
    async with connect(ctx.options) as conn:
        paths: list[str] = list(args.paths) or await _selected(conn.rest, args)
        if not paths:
            ctx.emit({"deleted_count": 0, "failed": []}, lambda: "No checkpoints to delete.\n")
            return 0
        if not args.yes and not _confirm(ctx, paths):
            ctx.err.write("Aborted.\n")
            return 1
        failed = await _delete_all(conn.rest, paths)
    deleted = len(paths) - len(failed)
    document = {
        "deleted_count": deleted,
        "failed": [{"tinker_path": p, "error": e} for p, e in failed],
    }

    def summary() -> str:
        lines = [f"Deleted {deleted} of {len(paths)} checkpoints."]
        lines += [f"Failed: {p}: {e}" for p, e in failed]
        return "\n".join(lines) + "\n"

    ctx.emit(document, summary)
    return 1 if failed else 0


async def _selected(rest: RestClient, args: argparse.Namespace) -> list[str]:
    checkpoints: list[Checkpoint] = (await rest.list_checkpoints(args.run_id)).checkpoints
    wanted = _TYPES.get(args.type) if args.type else None
    return [
        c.tinker_path
        for c in checkpoints
        if (wanted is None or c.checkpoint_type == wanted)
        and (args.before is None or c.time < args.before)
        and (args.after is None or c.time > args.after)
    ]


def _confirm(ctx: CommandContext, paths: list[str]) -> bool:
    for path in paths:
        ctx.err.write(f"  {path}\n")
    ctx.err.write(f"Delete {len(paths)} checkpoint(s)? [y/N] ")
    ctx.err.flush()
    answer = ctx.stdin.readline().strip().lower()
    return answer in ("y", "yes")


async def _delete_all(rest: RestClient, paths: list[str]) -> list[tuple[str, str]]:
    limit = asyncio.Semaphore(PARALLEL_DELETES)
    failed: list[tuple[str, str]] = []

    async def one(path: str) -> None:
        async with limit:
            try:
                await rest.delete_checkpoint_from_tinker_path(path)
            except TinkexError as exc:
                message, detail = describe_error(exc)
                failed.append((path, f"{message}: {detail}" if detail else message))

    await asyncio.gather(*(one(p) for p in paths))
    return sorted(failed)
