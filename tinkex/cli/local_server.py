"""``tinkex version`` and ``tinkex serve`` (the embedded backend over HTTP)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from tinkex.errors import ValidationError
from tinkex.version import WIRE_SDK_VERSION, __version__

if TYPE_CHECKING:
    import argparse

    from tinkex.cli.context import CommandContext

__all__ = ["register"]


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``version`` and ``serve``."""
    version = groups.add_parser("version", help="print the tinkex version")
    version.set_defaults(sync_handler=show_version)
    serve = groups.add_parser("serve", help="serve the embedded Tinker-compatible backend")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--data-dir", type=Path, default=None, help="default: the user cache")
    serve.add_argument("--legacy", action="store_true", help="behave like a JSON-era server")
    serve.add_argument("--fault-plan", default=None, help="FaultPlan as JSON, or @file.json")
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--jwt", action="store_true", help="JWT auth (pjwt_auth_enabled)")
    serve.add_argument(
        "--batch-futures",
        action="store_true",
        help="advertise batch polling (retrieve_futures) and sample cancellation",
    )
    serve.add_argument(
        "--sample-time",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="model time of each sample, waited out concurrently (default 0: at once)",
    )
    serve.set_defaults(sync_handler=serve_backend)


def show_version(ctx: CommandContext) -> int:
    """Print ``tinkex <version> (Tinker wire <version>)``; ignores ``--format``."""
    ctx.out.write(f"tinkex {__version__} (Tinker wire {WIRE_SDK_VERSION})\n")
    return 0


def serve_backend(ctx: CommandContext) -> int:
    """Run the embedded backend until interrupted."""
    from tinkex.local import BackendConfig, FaultPlan, LocalBackend, serve

    args = ctx.args
    plan: FaultPlan | None = None
    if args.fault_plan is not None:
        text: str = args.fault_plan
        try:
            raw = Path(text[1:]).read_bytes() if text.startswith("@") else text.encode()
            plan = FaultPlan.from_json(raw)
        except (OSError, ValueError) as exc:
            raise ValidationError(
                f"cannot read the fault plan: {exc}", field="--fault-plan"
            ) from exc
    try:
        config = BackendConfig(
            jwt_auth=args.jwt, batch_futures=args.batch_futures, sample_time_s=args.sample_time
        )
    except ValueError as exc:  # the config names the bad value
        raise ValidationError(str(exc), field="--sample-time") from exc
    backend = LocalBackend(
        args.data_dir, fault_plan=plan, legacy=args.legacy, seed=args.seed, config=config
    )

    def announce(url: str) -> None:
        ctx.out.write(f"tinkex local backend listening on {url}\n")
        ctx.out.flush()

    asyncio.run(serve(backend, args.host, args.port, on_ready=announce))
    return 0
