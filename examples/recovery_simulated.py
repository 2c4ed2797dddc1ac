"""Offline recovery walk-through with fakes: a run goes corrupted, the monitor notices, the
executor restores it from the latest checkpoint.

Tinkex ``recovery_simulated.exs``: a fake run with two checkpoints, REST and service fakes
(small working implementations of `tinkex.recovery`'s Protocols), a fast policy (poll 50 ms,
backoff 20 ms doubling to 80 ms, 3 attempts, optimizer restored) whose service fails once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import msgspec
from _common import parser

from tinkex import types
from tinkex.errors import InternalServerError
from tinkex.recovery import (
    RecoveryEvent,
    RecoveryExecutor,
    RecoveryMonitor,
    RecoveryPolicy,
    RecoveryResult,
)

RUN = "sess-demo:train:0"
NOW = datetime.now(UTC)


def _checkpoint(name: str) -> types.Checkpoint:
    return types.Checkpoint(
        checkpoint_id=f"weights/{name}",
        checkpoint_type="training",
        time=NOW,
        tinker_path=f"tinker://{RUN}/weights/{name}",
    )


class FakeRest:
    """The run as REST would describe it; `corrupt()` flips the flag."""

    def __init__(self) -> None:
        self.run = types.TrainingRun(
            training_run_id=RUN,
            base_model="tinkex/tiny-byte-lm",
            model_owner="demo",
            is_lora=True,
            last_request_time=NOW,
            last_checkpoint=_checkpoint("step-2"),
        )
        self.polls = 0

    def corrupt(self) -> None:
        self.run = msgspec.structs.replace(self.run, corrupted=True)

    async def get_training_run(self, training_run_id: str) -> types.TrainingRun:
        self.polls += 1
        return self.run


class FakeService:
    """Creates a (string) client from a checkpoint; the first attempt fails with a 503."""

    def __init__(self) -> None:
        self.calls = 0

    async def create_training_client_from_state(self, path: str) -> str:
        return await self.create_training_client_from_state_with_optimizer(path)

    async def create_training_client_from_state_with_optimizer(self, path: str) -> str:
        self.calls += 1
        if self.calls == 1:
            raise InternalServerError("simulated outage", status=503)
        return f"training-client<{path}>"


async def main(argv: list[str] | None = None) -> int:
    parser(__doc__).parse_args(argv)
    rest, service = FakeRest(), FakeService()
    done = asyncio.Event()
    recovered: list[RecoveryResult[object]] = []

    def on_recovery(result: RecoveryResult[object]) -> None:
        recovered.append(result)
        done.set()

    def show(event: RecoveryEvent) -> None:
        extra = event.checkpoint_path or event.error or ""
        print(f"  {event.name:<30} attempt={event.attempt} {extra}")

    policy = RecoveryPolicy(
        enabled=True,
        poll_interval_s=0.05,
        backoff_s=0.02,
        max_backoff_s=0.08,
        max_attempts=3,
        restore_optimizer=True,
        on_recovery=on_recovery,
        on_failure=lambda run_id, exc: done.set(),
    )
    executor: RecoveryExecutor[str] = RecoveryExecutor(max_concurrent=1, listeners=[show])
    async with RecoveryMonitor(rest, executor, policy, listeners=[show]) as monitor:
        monitor.monitor_run(RUN, service)
        await asyncio.sleep(0.12)
        print(f"healthy so far: {rest.polls} polls; marking {RUN} corrupted")
        rest.corrupt()
        await asyncio.wait_for(done.wait(), timeout=5.0)
    if not recovered:
        print("recovery failed")
        return 1
    result = recovered[0]
    print(f"restored {result.run_id} from {result.checkpoint_path} in {result.attempts} attempts")
    print(f"new client: {result.client}")
    return 0 if result.attempts == 2 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
