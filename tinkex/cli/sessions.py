"""``tinkex session list`` and ``tinkex session info SESSION_ID``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tinkex.cli.connect import connect
from tinkex.cli.output import Table
from tinkex.errors import ValidationError

if TYPE_CHECKING:
    import argparse

    from tinkex.cli.context import CommandContext

__all__ = ["register"]

PAGE_SIZE: Final = 100


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``session`` group."""
    group = groups.add_parser("session", help="sessions")
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="list session ids")
    listing.add_argument("--limit", type=int, default=20, help="sessions to show (0 = all)")
    listing.set_defaults(handler=session_list)
    info = commands.add_parser("info", help="a session's training runs and samplers")
    info.add_argument("session_id")
    info.set_defaults(handler=session_info)


async def session_list(ctx: CommandContext) -> int:
    """List session ids (``--limit 0``: all of them)."""
    limit: int = ctx.args.limit
    if limit < 0:
        raise ValidationError("must be >= 0 (0 = all)", field="--limit")
    async with connect(ctx.options) as conn:
        iterator = conn.rest.iter_sessions(
            min(limit or PAGE_SIZE, PAGE_SIZE), max_items=limit or None
        )
        sessions = [s async for s in iterator]

    def table() -> Table:
        rows = [[s] for s in sessions]
        return Table(["Session ID"], rows, title=f"{len(sessions)} sessions")

    ctx.emit({"sessions": sessions}, table)
    return 0


async def session_info(ctx: CommandContext) -> int:
    """Describe a session."""
    async with connect(ctx.options) as conn:
        session = await conn.rest.get_session(ctx.args.session_id)

    def table() -> Table:
        rows = [["Session ID", ctx.args.session_id]]
        if session.display_name:
            rows.append(["Display Name", session.display_name])
        rows += [["Training Run", r] for r in session.training_run_ids]
        rows += [["Sampler", s] for s in session.sampler_ids]
        rows += [[f"Metadata: {k}", v] for k, v in sorted((session.user_metadata or {}).items())]
        return Table(["Property", "Value"], rows)

    ctx.emit(session, table)
    return 0
