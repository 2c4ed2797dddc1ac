"""``tinkex run list`` and ``tinkex run info RUN_ID``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tinkex.cli.connect import connect
from tinkex.cli.output import Table, format_time, relative_time
from tinkex.cli.paging import collect_pages
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from tinkex.cli.context import CommandContext
    from tinkex.domain.types import Checkpoint, TrainingRun

__all__ = ["register"]

PAGE_SIZE: Final = 100
_COLUMNS: Final[dict[str, tuple[str, Callable[[TrainingRun], str]]]] = {
    "id": ("Run ID", lambda r: r.training_run_id),
    "model": ("Base Model", lambda r: r.base_model),
    "owner": ("Owner", lambda r: r.model_owner),
    "lora": ("LoRA", lambda r: _lora(r)),
    "updated": ("Updated", lambda r: relative_time(r.last_request_time)),
    "status": ("Status", lambda r: "Failed" if r.corrupted else "OK"),
    "checkpoint": ("Last Checkpoint", lambda r: _last(r.last_checkpoint)),
    "checkpoint_time": (
        "Checkpoint Time",
        lambda r: format_time(r.last_checkpoint.time if r.last_checkpoint else None),
    ),
}
_DEFAULT_COLUMNS: Final = "id,model,lora,updated,status"


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` group."""
    group = groups.add_parser("run", help="training runs")
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="list training runs, newest first")
    listing.add_argument("--limit", type=int, default=20, help="runs to show (0 = all)")
    listing.add_argument(
        "--columns",
        "-c",
        default=_DEFAULT_COLUMNS,
        help=f"comma-separated, from {','.join(_COLUMNS)}",
    )
    listing.set_defaults(handler=run_list)
    info = commands.add_parser("info", help="describe one training run")
    info.add_argument("run_id")
    info.set_defaults(handler=run_info)


def _lora(run: TrainingRun) -> str:
    if not run.is_lora:
        return "No"
    return f"Yes (Rank {run.lora_rank})" if run.lora_rank is not None else "Yes"


def _last(checkpoint: Checkpoint | None) -> str:
    return checkpoint.tinker_path if checkpoint is not None else "-"


async def run_list(ctx: CommandContext) -> int:
    """List training runs (``--limit 0``: all of them, fetched in pages of 100)."""
    limit: int = ctx.args.limit
    if limit < 0:
        raise ValidationError("must be >= 0 (0 = all)", field="--limit")
    columns = [c.strip() for c in ctx.args.columns.split(",") if c.strip()]
    unknown = [c for c in columns if c not in _COLUMNS]
    if unknown or not columns:
        raise ValidationError(
            f"unknown column(s) {', '.join(unknown) or '(none)'}; choose from {','.join(_COLUMNS)}",
            field="--columns",
        )
    async with connect(ctx.options) as conn:

        async def fetch(count: int, offset: int) -> tuple[list[TrainingRun], int]:
            page = await conn.rest.list_training_runs(limit=count, offset=offset)
            return list(page.training_runs), page.cursor.total_count

        runs, total = await collect_pages(
            fetch,
            limit=limit,
            page_size=PAGE_SIZE,
            progress=ctx.page_progress("training runs", PAGE_SIZE),
        )

    def table() -> Table:
        more = total - len(runs)
        title = f"{len(runs)} training runs"
        if more > 0:
            title += f" ({more} more not shown, use --limit to see more)"
        rows = [[_COLUMNS[c][1](run) for c in columns] for run in runs]
        return Table([_COLUMNS[c][0] for c in columns], rows, title=title)

    ctx.emit({"runs": runs, "total": total, "shown": len(runs)}, table)
    return 0


async def run_info(ctx: CommandContext) -> int:
    """Describe one training run as a Property/Value table."""
    async with connect(ctx.options) as conn:
        run = await conn.rest.get_training_run(ctx.args.run_id)

    def table() -> Table:
        rows = [
            ["Run ID", run.training_run_id],
            ["Base Model", run.base_model],
            ["Owner", run.model_owner],
            ["LoRA", _lora(run)],
            ["Last Update", relative_time(run.last_request_time)],
            ["Status", "Failed" if run.corrupted else "OK"],
        ]
        for label, checkpoint in (
            ("Last Checkpoint", run.last_checkpoint),
            ("Last Sampler Checkpoint", run.last_sampler_checkpoint),
        ):
            if checkpoint is not None:
                rows.append([label, f"{checkpoint.tinker_path} ({format_time(checkpoint.time)})"])
        rows += [[f"Metadata: {k}", v] for k, v in sorted((run.user_metadata or {}).items())]
        return Table(["Property", "Value"], rows)

    ctx.emit(run, table)
    return 0
