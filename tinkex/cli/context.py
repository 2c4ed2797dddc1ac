"""What every CLI command handler receives: parsed arguments, streams, connection options."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from tinkex.cli.output import write_json

if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from tinkex.cli.connect import ConnectionOptions

__all__ = ["AsyncHandler", "CommandContext", "SyncHandler"]


@dataclass
class CommandContext:
    """One CLI invocation.

    Attributes:
        args: The parsed arguments.
        out: Where results go (stdout).
        err: Where errors and progress go (stderr).
        stdin: Where confirmations are read from.
        options: Where to connect.
    """

    args: argparse.Namespace
    out: TextIO
    err: TextIO
    stdin: TextIO
    options: ConnectionOptions

    @property
    def json(self) -> bool:
        """True when ``--format json`` was given."""
        return bool(self.args.format == "json")

    def emit(self, document: object, table: Callable[[], str]) -> None:
        """Write `document` as JSON, or the text `table` builds, as ``--format`` says."""
        if self.json:
            write_json(self.out, document)
        else:
            self.out.write(table())


AsyncHandler: TypeAlias = Callable[[CommandContext], Coroutine[Any, Any, int]]
"""A command that talks to the service; returns the exit status."""
SyncHandler: TypeAlias = Callable[[CommandContext], int]
"""A command that needs no event loop of ours (``version``, ``serve``)."""
