"""``tinkex model list [SUBSTRING]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.cli.connect import connect
from tinkex.cli.output import Table

if TYPE_CHECKING:
    import argparse

    from tinkex.cli.context import CommandContext

__all__ = ["register"]


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``model`` group."""
    group = groups.add_parser("model", help="models the service offers")
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="list supported models")
    listing.add_argument("substring", nargs="?", default="", help="case-insensitive filter")
    listing.set_defaults(handler=model_list)


def _flag(value: bool | None) -> str:
    return "-" if value is None else ("Yes" if value else "No")


async def model_list(ctx: CommandContext) -> int:
    """List the supported models whose name contains SUBSTRING."""
    needle = str(ctx.args.substring).lower()
    async with connect(ctx.options) as conn:
        capabilities = await conn.rest.get_server_capabilities()
    models = [m for m in capabilities.supported_models if needle in (m.model_name or "").lower()]

    def table() -> Table:
        rows = [
            [
                m.model_name or "-",
                str(m.max_context_length) if m.max_context_length is not None else "-",
                _flag(m.trainable),
                _flag(m.sampleable),
            ]
            for m in models
        ]
        headers = ["Model", "Max Context", "Trainable", "Sampleable"]
        return Table(headers, rows, title=f"{len(models)} models")

    ctx.emit({"models": models}, table)
    return 0
