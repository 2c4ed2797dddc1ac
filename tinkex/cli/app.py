"""The ``tinkex`` command line: argument parsing, dispatch, error and exit-code policy.

```text
tinkex [--format table|json] [--base-url URL] [--api-key KEY] [--local-data-dir DIR] [-v]
       {version,serve,run,checkpoint,model,session,sample,completion} ...
```

Results go to stdout (tables styled on a terminal, plain in a pipe; JSON with ``-f json``);
progress and errors go to stderr. The library's own log events are hidden unless ``-v``.
Exit codes: 0 success, 1 error (``Error: <message>`` on stderr), 2 usage error (argparse),
130 interrupted (Ctrl-C). The API key is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tinkex.cli import (
    auth,
    checkpoints,
    completion,
    local_server,
    models,
    runs,
    sample,
    sessions,
)
from tinkex.cli.connect import ConnectionOptions
from tinkex.cli.context import AsyncHandler, CommandContext
from tinkex.cli.errors import describe_error
from tinkex.cli.logs import library_logging
from tinkex.domain.service_spec import LOG_LEVEL_ENV
from tinkex.errors import TinkexError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import TextIO

__all__ = ["build_parser", "main"]

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (global options go before the command group)."""
    parser = argparse.ArgumentParser(
        prog="tinkex",
        description="Manage Tinker training runs, checkpoints and sessions; sample from models.",
    )
    parser.add_argument(
        "--format", "-f", choices=("table", "json"), default="table", help="output format"
    )
    parser.add_argument("--base-url", help="service URL, or 'local' (default: TINKER_BASE_URL)")
    parser.add_argument("--api-key", help="API key (default: TINKER_API_KEY); never printed")
    parser.add_argument(
        "--local-data-dir",
        type=Path,
        help="data directory of the embedded backend for --base-url local "
        "(default: TINKEX_LOCAL_DIR, else the user cache)",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="count",
        default=0,
        help="also show the library's log events (-v: info, -vv: debug)",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    local_server.register(groups)
    runs.register(groups)
    checkpoints.register(groups)
    models.register(groups)
    sessions.register(groups)
    sample.register(groups)
    completion.register(groups, parser)
    auth.register(groups)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one CLI command and return its exit status.

    Args:
        argv: The arguments (default ``sys.argv[1:]``).
        env: The environment to read (default ``os.environ``).
        stdout: Where results go (default ``sys.stdout``).
        stderr: Where errors go (default ``sys.stderr``).
        stdin: Where confirmations are read from (default ``sys.stdin``).

    Returns:
        0 on success, 1 on error, 2 on a usage error, 130 when interrupted.
    """
    import os

    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        # argparse prints help and usage errors to sys.stdout/stderr: point them at ours.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage or help
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    options = ConnectionOptions(
        base_url=args.base_url,
        api_key=args.api_key,
        local_data_dir=args.local_data_dir,
        # The CLI decides what library logging shows (`library_logging`, from -v), so the
        # client must not attach its own TINKER_LOG handler on top.
        env={k: v for k, v in (os.environ if env is None else env).items() if k != LOG_LEVEL_ENV},
    )
    ctx = CommandContext(args=args, out=out, err=err, stdin=stdin or sys.stdin, options=options)
    try:
        sync_handler = getattr(args, "sync_handler", None)
        if sync_handler is not None:
            return int(sync_handler(ctx))
        handler: AsyncHandler = args.handler
        with library_logging(args.verbose, err):
            return asyncio.run(handler(ctx))
    except KeyboardInterrupt:
        err.write("Interrupted.\n")
        return EXIT_INTERRUPTED
    except (TinkexError, OSError) as exc:
        message, detail = describe_error(exc)
        err.write(f"Error: {message}\n")
        if detail:
            err.write(f"  {detail}\n")
        return EXIT_ERROR
