"""What every CLI command handler receives: parsed arguments, streams, connection options."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from tinkex.cli.output import Table, render_table, write_json
from tinkex.cli.progress import PageProgress, ProgressLine, TransferProgress
from tinkex.cli.terminal import Terminal

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
        out_terminal: What `out` can show (styles on a terminal, plain text otherwise).
        err_terminal: What `err` can show (live progress on a terminal, plain lines otherwise).
    """

    args: argparse.Namespace
    out: TextIO
    err: TextIO
    stdin: TextIO
    options: ConnectionOptions
    out_terminal: Terminal = field(init=False)
    err_terminal: Terminal = field(init=False)

    def __post_init__(self) -> None:
        self.out_terminal = Terminal.of(self.out, self.options.env)
        self.err_terminal = Terminal.of(self.err, self.options.env)

    @property
    def json(self) -> bool:
        """True when ``--format json`` was given."""
        return bool(self.args.format == "json")

    def emit(self, document: object, text: Callable[[], str | Table]) -> None:
        """Write `document` as JSON, or the table or text `text` builds, as ``--format`` says."""
        if self.json:
            write_json(self.out, document)
            return
        shown = text()
        if isinstance(shown, Table):
            shown = render_table(shown, self.out_terminal)
        self.out.write(shown)

    def page_progress(self, noun: str, page_size: int) -> PageProgress:
        """Progress of a paged listing of `noun`, on stderr."""
        return PageProgress(ProgressLine(self.err, self.err_terminal), noun, page_size)

    def transfer_progress(self) -> TransferProgress:
        """Progress of a download (bytes, rate, ETA), on stderr."""
        return TransferProgress(ProgressLine(self.err, self.err_terminal))


AsyncHandler: TypeAlias = Callable[[CommandContext], Coroutine[Any, Any, int]]
"""A command that talks to the service; returns the exit status."""
SyncHandler: TypeAlias = Callable[[CommandContext], int]
"""A command that needs no event loop of ours (``version``, ``serve``)."""
