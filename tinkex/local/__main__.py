"""Command line: ``python -m tinkex.local serve [--port N] [--host H] [--data-dir D] ...``."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from pathlib import Path

from tinkex.local.app import serve
from tinkex.local.faults import FaultPlan
from tinkex.local.service import LocalBackend
from tinkex.local.state import BackendConfig

__all__ = ["main"]


def _fault_plan(text: str | None) -> FaultPlan | None:
    if text is None:
        return None
    if text.startswith("@"):
        return FaultPlan.from_json(Path(text[1:]).read_bytes())
    return FaultPlan.from_json(text)


def _client_flags(pairs: list[str]) -> dict[str, object]:
    flags: dict[str, object] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        flags[name] = json.loads(value)
    return flags


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds >= 0, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tinkex.local")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the embedded Tinker-compatible backend over HTTP")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    run.add_argument("--data-dir", type=Path, default=None, help="default: the user cache dir")
    run.add_argument("--legacy", action="store_true", help="behave like a JSON-era server")
    run.add_argument("--fault-plan", default=None, help="FaultPlan as JSON, or @file.json")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--null-model", action="store_true", help="near-free model (benchmarks)")
    run.add_argument("--session-ttl", type=float, default=120.0, help="seconds without heartbeat")
    run.add_argument(
        "--client-flag",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="override a client/config flag, e.g. sample_use_retrieve_futures=true",
    )
    run.add_argument(
        "--journal",
        type=Path,
        default=None,
        help="append started work and injected faults to this JSON-lines file",
    )
    run.add_argument(
        "--batch-futures",
        action="store_true",
        help="advertise batch polling (retrieve_futures) and sample cancellation",
    )
    run.add_argument("--poll-timeout", type=float, default=5.0, help="long-poll budget (s)")
    run.add_argument(
        "--sample-time",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="model time of each sample: it finishes this long after it was accepted, "
        "concurrently with the others, as on a real sampler (default 0: at once)",
    )
    run.add_argument("--jwt", action="store_true", help="JWT auth (pjwt_auth_enabled)")
    run.add_argument("--jwt-ttl", type=float, default=3600.0, help="JWT lifetime (s)")
    run.add_argument(
        "--credential-default-source",
        choices=("api_key", "credential_cmd"),
        default="api_key",
        help="what clients exchange for JWTs in --jwt mode",
    )
    run.add_argument(
        "--short-sampler-paths",
        action="store_true",
        help="hand out sampler weights as tinker://<run>/<name>, as some servers do",
    )
    run.add_argument(
        "--metadata-threshold",
        type=int,
        default=1 << 20,
        help="results above this many bytes are announced with complete_metadata first",
    )
    return parser


def _announce(url: str) -> None:
    sys.stdout.write(f"tinkex.local listening on {url}\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    backend = LocalBackend(
        args.data_dir,
        fault_plan=_fault_plan(args.fault_plan),
        legacy=args.legacy,
        seed=args.seed,
        null_model=args.null_model,
        config=BackendConfig(
            session_ttl_s=args.session_ttl,
            poll_timeout_s=args.poll_timeout,
            metadata_threshold_bytes=args.metadata_threshold,
            client_flags=_client_flags(args.client_flag),
            short_sampler_paths=args.short_sampler_paths,
            jwt_auth=args.jwt,
            jwt_ttl_s=args.jwt_ttl,
            credential_default_source=args.credential_default_source,
            batch_futures=args.batch_futures,
            sample_time_s=args.sample_time,
        ),
    )
    if args.journal is not None:
        backend.state.journal.write_to(args.journal)
    try:
        asyncio.run(serve(backend, args.host, args.port, on_ready=_announce))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
