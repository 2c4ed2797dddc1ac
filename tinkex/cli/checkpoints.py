"""``tinkex checkpoint list|info|publish|unpublish|set-ttl``.

``download`` and ``delete`` live in `tinkex.cli.checkpoint_files`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import msgspec

from tinkex.cli import checkpoint_files
from tinkex.cli.connect import connect
from tinkex.cli.output import Table, format_size, format_time
from tinkex.cli.paging import collect_pages
from tinkex.domain.paths import parse_tinker_path
from tinkex.errors import ConflictError, NotFoundError, ValidationError

if TYPE_CHECKING:
    import argparse

    from tinkex.cli.context import CommandContext
    from tinkex.clients.rest import RestClient
    from tinkex.domain.types import Checkpoint

__all__ = ["checkpoint_rows", "register"]

PAGE_SIZE: Final = 1000
HEADERS: Final = ("Checkpoint ID", "Type", "Size", "Public", "Created", "Expires", "Path")


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``checkpoint`` group."""
    group = groups.add_parser("checkpoint", help="checkpoints: list, inspect, download, delete")
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="list checkpoints (all, or of one run)")
    listing.add_argument("--run-id", help="only this training run's checkpoints")
    listing.add_argument("--limit", type=int, default=20, help="checkpoints to show (0 = all)")
    listing.set_defaults(handler=checkpoint_list)
    info = commands.add_parser("info", help="describe one checkpoint")
    info.add_argument("path", metavar="TINKER_PATH")
    info.set_defaults(handler=checkpoint_info)
    for name, handler, text in (
        ("publish", checkpoint_publish, "make a checkpoint public"),
        ("unpublish", checkpoint_unpublish, "make a checkpoint private"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("path", metavar="TINKER_PATH")
        command.set_defaults(handler=handler)
    ttl = commands.add_parser("set-ttl", help="set or remove a checkpoint's expiry")
    ttl.add_argument("path", metavar="TINKER_PATH")
    which = ttl.add_mutually_exclusive_group(required=True)
    which.add_argument("--ttl", type=int, help="seconds from now (3600 .. 10 years)")
    which.add_argument("--remove", action="store_true", help="keep the checkpoint forever")
    ttl.set_defaults(handler=checkpoint_set_ttl)
    checkpoint_files.register(commands)


def checkpoint_rows(checkpoints: list[Checkpoint]) -> list[list[str]]:
    """Table rows for checkpoints, in `HEADERS` order."""
    return [
        [
            c.checkpoint_id,
            c.checkpoint_type,
            format_size(c.size_bytes),
            "Yes" if c.public else "No",
            format_time(c.time),
            format_time(c.expires_at, missing="Never"),
            c.tinker_path,
        ]
        for c in checkpoints
    ]


async def checkpoint_list(ctx: CommandContext) -> int:
    """List one run's checkpoints, or the user's newest ``--limit`` (0 = all)."""
    limit: int = ctx.args.limit
    if limit < 0:
        raise ValidationError("must be >= 0 (0 = all)", field="--limit")
    run_id: str | None = ctx.args.run_id
    async with connect(ctx.options) as conn:
        if run_id is not None:
            checkpoints = (await conn.rest.list_checkpoints(run_id)).checkpoints
            total = len(checkpoints)
        else:

            async def fetch(count: int, offset: int) -> tuple[list[Checkpoint], int]:
                page = await conn.rest.list_user_checkpoints(limit=count, offset=offset)
                found = list(page.checkpoints)
                return found, page.cursor.total_count if page.cursor else offset + len(found)

            checkpoints, total = await collect_pages(
                fetch,
                limit=limit,
                page_size=PAGE_SIZE,
                progress=ctx.page_progress("checkpoints", PAGE_SIZE),
            )

    def table() -> Table:
        title = f"{len(checkpoints)} checkpoints"
        if run_id is not None:
            title += f" of {run_id}"
        elif total > len(checkpoints):
            title += f" ({total - len(checkpoints)} more not shown, use --limit to see more)"
        return Table(HEADERS, checkpoint_rows(checkpoints), title=title)

    document: dict[str, object] = {"checkpoints": checkpoints}
    if run_id is not None:
        document = {"run_id": run_id, **document}
    ctx.emit(document, table)
    return 0


async def checkpoint_info(ctx: CommandContext) -> int:
    """Describe a checkpoint, with its run's LoRA settings."""
    path = parse_tinker_path(ctx.args.path, field="TINKER_PATH")
    async with connect(ctx.options) as conn:
        found = await _find(conn.rest, str(path))
        run = await conn.rest.get_training_run(path.training_run_id)
    document = {
        **msgspec.structs.asdict(found),
        "is_lora": run.is_lora,
        "lora_rank": run.lora_rank,
    }

    def table() -> Table:
        row = checkpoint_rows([found])[0]
        rows = [[h, v] for h, v in zip(HEADERS, row, strict=True)]
        rows.append(["Base Model", run.base_model])
        rows.append(["LoRA", f"Yes (Rank {run.lora_rank})" if run.is_lora else "No"])
        rows += [[f"Metadata: {k}", v] for k, v in sorted((found.user_metadata or {}).items())]
        return Table(["Property", "Value"], rows)

    ctx.emit(document, table)
    return 0


async def checkpoint_publish(ctx: CommandContext) -> int:
    """Make a checkpoint public (no output on success)."""
    return await _set_public(ctx, public=True)


async def checkpoint_unpublish(ctx: CommandContext) -> int:
    """Make a checkpoint private (no output on success)."""
    return await _set_public(ctx, public=False)


async def _set_public(ctx: CommandContext, *, public: bool) -> int:
    path = parse_tinker_path(ctx.args.path, field="TINKER_PATH")
    async with connect(ctx.options) as conn:
        found = await _find(conn.rest, str(path))
        # The service answers a no-op change with 409, which the HTTP layer retries for
        # minutes; checking first answers at once.
        if found.public == public:
            state = "public" if public else "private"
            detail = f"{path} is already {state}"
            raise ConflictError(detail, status=409, body={"detail": detail})
        if public:
            await conn.rest.publish_checkpoint_from_tinker_path(str(path))
        else:
            await conn.rest.unpublish_checkpoint_from_tinker_path(str(path))
    return 0


async def _find(rest: RestClient, tinker_path: str) -> Checkpoint:
    run_id = parse_tinker_path(tinker_path).training_run_id
    listing = await rest.list_checkpoints(run_id)
    found = next((c for c in listing.checkpoints if c.tinker_path == tinker_path), None)
    if found is None:
        detail = f"checkpoint {tinker_path} not found"
        raise NotFoundError(detail, status=404, body={"detail": detail})
    return found


async def checkpoint_set_ttl(ctx: CommandContext) -> int:
    """Set (``--ttl``) or remove (``--remove``) a checkpoint's expiry."""
    ttl: int | None = None if ctx.args.remove else ctx.args.ttl
    async with connect(ctx.options) as conn:
        await conn.rest.set_checkpoint_ttl_from_tinker_path(ctx.args.path, ttl)
    return 0
