"""Retries and exception capture: a flaky operation retried with backoff, inside capture_exceptions.

Tinkex ``retry_and_capture.exs``: a synthetic operation fails twice with 500 and then succeeds
under a retry handler (no jitter); `capture_exceptions(fatal=True)` would report a final failure
to telemetry before re-raising. Then the SDK's own HTTP retries ride out 503s that the
embedded backend injects (a fault plan), visible in the recorded exchanges.
"""

from __future__ import annotations

import asyncio

from _common import banner, data_dir, is_local, parser, recorded_local_service

from tinkex.adapters.clock import SystemClock
from tinkex.domain.backoff import Backoff
from tinkex.errors import InternalServerError
from tinkex.flows.sampling_retry import SamplingRetryConfig, SamplingRetryHandler
from tinkex.local import FaultPlan, LocalBackend
from tinkex.telemetry import RecordingTelemetrySink, TelemetryReporter, capture_exceptions


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    sink = RecordingTelemetrySink()
    reporter = TelemetryReporter(sink)

    banner("synthetic flaky operation")
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        print(f"  attempt {attempts}")
        if attempts <= 2:
            raise InternalServerError("synthetic 500", status=500)
        return "ok"

    handler = SamplingRetryHandler(
        SamplingRetryConfig(backoff=Backoff(base_s=0.02, max_s=10.0)),
        clock=SystemClock(),
        name="example",
    )
    async with capture_exceptions(reporter, fatal=True):
        result = await handler.execute(flaky)
    print(f"result {result!r} after {attempts} attempts ({handler.retries} retries)")
    print(f"telemetry events: {sink.names() or 'none (it succeeded)'}")

    banner("a failure that exhausts nothing but is not retryable")
    try:
        async with capture_exceptions(reporter, fatal=True):
            await handler.execute(_bad_request)
    except ValueError as exc:
        print(f"re-raised: {exc!r}; telemetry events: {sink.names()}")

    if not is_local(args):
        return 0
    banner("HTTP retries against injected 503s")
    with data_dir(args) as directory:
        plan = FaultPlan(seed=38, error_5xx=0.5, endpoints=("training_runs",))
        service, pool = recorded_local_service(LocalBackend(directory, fault_plan=plan))
        async with service:
            training = await service.create_lora_training_client(args.base_model, rank=8)
            rest = service.create_rest_client()
            runs = [await rest.get_training_run(training.model_id) for _ in range(3)]
        statuses = [status for _, path, status in pool.log if "/training_runs/" in path]
        print(f"GET training_runs/{runs[-1].training_run_id}: statuses seen {statuses}")
    return 0 if attempts == 3 and statuses.count(200) == 3 else 1


async def _bad_request() -> None:
    raise ValueError("not retryable: a bug in the caller")


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
