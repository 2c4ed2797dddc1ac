"""RecoveryExecutor in virtual time: checkpoint choice, retries, callbacks, concurrency."""

from __future__ import annotations

import asyncio

import pytest
from recovery_fakes import FakeClient, FakeRest, FakeService, checkpoint, training_run

from tinkex.adapters.clock import FakeClock
from tinkex.recovery import (
    RecoveryError,
    RecoveryEvent,
    RecoveryExecutor,
    RecoveryExhaustedError,
    RecoveryPolicy,
    RecoveryResult,
)

RUN = "sess-1:train:0"


def _policy(**kwargs: object) -> RecoveryPolicy:
    return RecoveryPolicy.from_mapping({"enabled": True, **kwargs})


async def test_restores_from_the_runs_latest_checkpoint_with_optimizer() -> None:
    """With no checkpoint given, the run is fetched and its last checkpoint restored."""
    rest = FakeRest(training_run(RUN, corrupted=True, last=checkpoint(RUN, "step-2")))
    service = FakeService()
    events: list[RecoveryEvent] = []
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(
        clock=FakeClock(), listeners=[events.append]
    )
    result = await executor.recover(RUN, service, _policy(), rest=rest)
    assert result.client == FakeClient(path=f"tinker://{RUN}/weights/step-2", with_optimizer=True)
    assert result.attempts == 1
    assert [e.name for e in events] == [
        "recovery.started",
        "recovery.checkpoint_selected",
        "recovery.client_created",
        "recovery.completed",
    ]
    assert executor.pending == frozenset()


async def test_specific_path_wins_and_optimizer_can_be_skipped() -> None:
    """The policy's specific checkpoint beats the one passed in; restore_optimizer=False."""
    service = FakeService()
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=FakeClock())
    policy = _policy(
        checkpoint_strategy="specific",
        checkpoint_path=f"tinker://{RUN}/weights/pinned",
        restore_optimizer=False,
    )
    result = await executor.recover(RUN, service, policy, checkpoint=checkpoint(RUN, "other"))
    assert service.calls == [(f"tinker://{RUN}/weights/pinned", False)]
    assert result.checkpoint_path.endswith("/pinned")


async def test_retries_with_doubling_backoff_on_the_clock() -> None:
    """Two failures, then success: waits 5 s then 10 s of virtual time."""
    clock = FakeClock()
    service = FakeService(failures=2)
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=clock)
    started = clock.monotonic()
    result = await executor.recover(RUN, service, _policy(), checkpoint=checkpoint(RUN, "a"))
    assert result.attempts == 3
    assert clock.sleeps == [5.0, 10.0]
    assert clock.monotonic() - started == pytest.approx(15.0)


async def test_exhaustion_calls_on_failure_and_raises_with_the_cause() -> None:
    """After max_attempts failures on_failure gets the last error and the error chains it."""
    failures: list[tuple[str, BaseException]] = []
    recovered: list[RecoveryResult[object]] = []
    events: list[RecoveryEvent] = []
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(
        clock=FakeClock(), listeners=[events.append]
    )
    policy = _policy(
        max_attempts=2,
        on_failure=lambda run_id, exc: failures.append((run_id, exc)),
        on_recovery=recovered.append,
    )
    with pytest.raises(RecoveryExhaustedError) as caught:
        await executor.recover(
            RUN, FakeService(failures=5), policy, checkpoint="tinker://x/weights/a"
        )
    assert caught.value.attempts == 2
    assert caught.value.__cause__ is failures[0][1]
    assert failures[0][0] == RUN
    assert recovered == []
    assert [e.name for e in events].count("recovery.failed") == 2
    assert events[-1].name == "recovery.exhausted"


async def test_no_checkpoint_anywhere_is_reported_as_failed_attempts() -> None:
    """A run without checkpoints cannot be restored; each attempt says so."""
    rest = FakeRest(training_run(RUN, corrupted=True))
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=FakeClock())
    with pytest.raises(RecoveryExhaustedError, match="no checkpoint"):
        await executor.recover(RUN, FakeService(), _policy(max_attempts=2), rest=rest)
    assert rest.calls == [RUN, RUN]


async def test_sampler_checkpoints_are_refused() -> None:
    """Only a training state (weights/) can seed a training client."""
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=FakeClock())
    service = FakeService()
    with pytest.raises(RecoveryExhaustedError, match="checkpoint_path"):
        await executor.recover(
            RUN,
            service,
            _policy(max_attempts=1),
            checkpoint=checkpoint(RUN, "s", "sampler_weights"),
        )
    assert service.calls == []


async def test_disabled_policy_and_duplicates_are_refused() -> None:
    """Recovery never runs under a disabled policy, and one run is restored once at a time."""
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=FakeClock())
    with pytest.raises(RecoveryError, match="disabled"):
        await executor.recover(
            RUN, FakeService(), RecoveryPolicy(), checkpoint="tinker://r/weights/a"
        )
    slow = FakeService(failures=1)
    first = executor.submit(RUN, slow, _policy(), checkpoint="tinker://r/weights/a")
    await asyncio.sleep(0)
    assert executor.pending == {RUN}
    with pytest.raises(RecoveryError, match="already pending"):
        await executor.recover(RUN, FakeService(), _policy(), checkpoint="tinker://r/weights/a")
    assert (await first) is not None


async def test_concurrency_is_bounded() -> None:
    """With max_concurrent=1 the second run waits until the first finished."""
    clock = FakeClock()
    service = FakeService(failures=1)  # the first run needs a 5 s backoff
    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=clock, max_concurrent=1)
    a = executor.submit("run-a", service, _policy(), checkpoint="tinker://run-a/weights/x")
    b = executor.submit("run-b", service, _policy(), checkpoint="tinker://run-b/weights/x")
    await executor.wait_idle()
    assert [path for path, _ in service.calls] == [
        "tinker://run-a/weights/x",
        "tinker://run-a/weights/x",
        "tinker://run-b/weights/x",
    ]
    assert (await a) is not None
    assert (await b) is not None


async def test_broken_callbacks_and_listeners_do_not_stop_recovery() -> None:
    """A raising on_recovery callback or listener is logged and swallowed."""

    def explode(*args: object) -> None:
        raise RuntimeError("user bug")

    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(
        clock=FakeClock(), listeners=[explode]
    )
    result = await executor.recover(
        RUN, FakeService(), _policy(on_recovery=explode), checkpoint="tinker://r/weights/a"
    )
    assert result.attempts == 1


async def test_async_on_recovery_callback_is_awaited() -> None:
    """A coroutine callback runs to completion before recover returns."""
    seen: list[str] = []

    async def remember(result: RecoveryResult[object]) -> None:
        await asyncio.sleep(0)
        seen.append(result.checkpoint_path)

    executor: RecoveryExecutor[FakeClient] = RecoveryExecutor(clock=FakeClock())
    await executor.recover(
        RUN, FakeService(), _policy(on_recovery=remember), checkpoint="tinker://r/weights/a"
    )
    assert seen == ["tinker://r/weights/a"]
