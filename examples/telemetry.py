"""Telemetry: the session's reporter, custom events, exception capture, a logger, flush.

Tinkex ``telemetry_live.exs`` and ``telemetry_reporter_demo.exs``. With telemetry on, the
session's batching sink uploads events to ``POST /api/v1/telemetry``; the embedded backend
keeps what it received, so the example can show it.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from _common import data_dir, is_local, parser, prompt, service_client

from tinkex import types
from tinkex.local import LocalBackend
from tinkex.telemetry import Severity, capture_exceptions, telemetry_reporter


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    with data_dir(args) as directory:
        backend = LocalBackend(directory) if is_local(args) else None
        try:
            async with service_client(args, telemetry=True, backend=backend) as service:
                reporter = await telemetry_reporter(service)
                if reporter is None:
                    print("telemetry is disabled (TINKER_TELEMETRY=0)")
                    return 1
                handler = reporter.attach_logger(structlog.get_logger("example"), level="WARNING")
                reporter.log("example.started", {"example": "telemetry"})
                reporter.log("example.debug_detail", {"step": 0}, Severity.DEBUG)
                reporter.log("example.warning", {"why": "demonstration"}, Severity.WARNING)
                for index in range(5):
                    reporter.log("example.batch", {"index": index})

                sampler = await service.create_sampling_client(base_model=args.base_model)
                tokenizer = sampler.get_tokenizer()
                await sampler.sample(
                    prompt(tokenizer, "Explain telemetry in one sentence."),
                    1,
                    types.SamplingParams(max_tokens=8, seed=0),
                )

                with contextlib.suppress(ZeroDivisionError), capture_exceptions(reporter):
                    _ = 1 / 0  # reported as UNHANDLED_EXCEPTION (non-fatal), then re-raised
                reporter.detach(handler)
                await reporter.flush()
                sink = service.runtime.telemetry
                if sink is not None:
                    print(f"sink: sent {sink.sent}, dropped {sink.dropped}, queued {sink.queued}")
            if backend is None:
                return 0
            received = backend.telemetry_events
        finally:
            if backend is not None:
                await backend.aclose()
    print(f"the backend received {len(received)} events:")
    for event in received:
        name = event.get("event_name") or event.get("event")
        print(f"  #{event.get('event_session_index')} {event.get('severity')} {name}")
    names = {str(e.get("event_name") or e.get("event")) for e in received}
    expected = {"SESSION_START", "example.started", "UNHANDLED_EXCEPTION", "SESSION_END"}
    return 0 if expected <= names else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
