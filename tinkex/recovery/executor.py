"""`RecoveryExecutor`: restore a corrupted training run from a checkpoint, with retries.

```python
executor = RecoveryExecutor(max_concurrent=1)
result = await executor.recover(run_id, service, policy, rest=rest)
training = result.client        # a new run, initialised from the checkpoint
```

Each attempt chooses the checkpoint (the policy's specific path, else the one given, else the
run's ``last_checkpoint``, fetched through `rest` when no run was given), then creates a
training client from it through the `TrainingClientFactory` (with the optimizer state when the
policy says so). A failed attempt waits the policy's `Backoff` on the Clock. At most
`max_concurrent` runs are restored at once, and a run already being restored is refused.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Generic, TypeVar

from tinkex.adapters.clock import SystemClock
from tinkex.domain.paths import require_kind
from tinkex.flows.logging import configure_logging
from tinkex.recovery.events import RecoveryEvent, call_safely, describe, notify
from tinkex.recovery.policy import RecoveryError, RecoveryExhaustedError, RecoveryResult

if TYPE_CHECKING:
    from collections.abc import Sequence

    from structlog.typing import FilteringBoundLogger

    from tinkex.domain.types import Checkpoint, TrainingRun
    from tinkex.ports.clock import Clock
    from tinkex.recovery.events import RecoveryListener
    from tinkex.recovery.policy import RecoveryPolicy
    from tinkex.recovery.ports import TrainingClientFactory, TrainingRunSource

__all__ = ["RecoveryExecutor"]

C = TypeVar("C")


class RecoveryExecutor(Generic[C]):
    """Restore runs with bounded concurrency and per-run deduplication.

    Args:
        max_concurrent: Runs restored at the same time (others wait their turn).
        clock: Time source for backoffs (tests pass a `FakeClock`).
        listeners: Told every `RecoveryEvent`.
        logger: Where events are logged.
    """

    def __init__(
        self,
        *,
        max_concurrent: int = 1,
        clock: Clock | None = None,
        listeners: Sequence[RecoveryListener] = (),
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise RecoveryError(f"max_concurrent must be >= 1, got {max_concurrent}")
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._listeners = tuple(listeners)
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._slots = asyncio.Semaphore(max_concurrent)
        self._pending: set[str] = set()
        self._tasks: set[asyncio.Task[RecoveryResult[C] | None]] = set()

    @property
    def pending(self) -> frozenset[str]:
        """Runs being restored (or waiting for a slot) right now."""
        return frozenset(self._pending)

    async def recover(
        self,
        run_id: str,
        service: TrainingClientFactory[C],
        policy: RecoveryPolicy,
        *,
        checkpoint: str | Checkpoint | None = None,
        run: TrainingRun | None = None,
        rest: TrainingRunSource | None = None,
    ) -> RecoveryResult[C]:
        """Restore `run_id` and return the new client.

        Args:
            run_id: The corrupted run.
            service: Creates the new training client.
            policy: Attempts, backoff, checkpoint strategy, optimizer, callbacks.
            checkpoint: The checkpoint to restore (path or REST `Checkpoint`), if known.
            run: The run's description, if already fetched (its ``last_checkpoint`` is used).
            rest: Fetches the run when neither `checkpoint` nor `run` names a checkpoint.

        Returns:
            The restored client, the checkpoint used and the attempts it took.

        Raises:
            RecoveryError: The policy is disabled, or `run_id` is already being restored.
            RecoveryExhaustedError: Every attempt failed (``__cause__`` is the last error);
                ``policy.on_failure`` was called first.
        """
        if not policy.enabled:
            raise RecoveryError("recovery is disabled by the policy", run_id=run_id)
        if run_id in self._pending:
            raise RecoveryError(f"recovery of {run_id} is already pending", run_id=run_id)
        self._pending.add(run_id)
        try:
            async with self._slots:
                return await self._attempts(run_id, service, policy, checkpoint, run, rest)
        finally:
            self._pending.discard(run_id)

    def submit(
        self,
        run_id: str,
        service: TrainingClientFactory[C],
        policy: RecoveryPolicy,
        *,
        checkpoint: str | Checkpoint | None = None,
        run: TrainingRun | None = None,
        rest: TrainingRunSource | None = None,
    ) -> asyncio.Task[RecoveryResult[C] | None]:
        """Run `recover` in the background (as the monitor does).

        Returns:
            A task resolving to the result, or to None when recovery was refused or exhausted
            (reported through events, logs and ``policy.on_failure``).
        """

        async def run_it() -> RecoveryResult[C] | None:
            try:
                return await self.recover(
                    run_id, service, policy, checkpoint=checkpoint, run=run, rest=rest
                )
            except RecoveryError as exc:
                self._log.warning("recovery.refused_or_exhausted", run_id=run_id, error=str(exc))
                return None

        task = asyncio.get_running_loop().create_task(run_it(), name=f"tinkex-recover-{run_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait until every submitted recovery finished."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        """Cancel submitted recoveries and wait for them to stop."""
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _attempts(
        self,
        run_id: str,
        service: TrainingClientFactory[C],
        policy: RecoveryPolicy,
        checkpoint: str | Checkpoint | None,
        run: TrainingRun | None,
        rest: TrainingRunSource | None,
    ) -> RecoveryResult[C]:
        self._emit(RecoveryEvent(name="recovery.started", run_id=run_id))
        last: Exception | None = None
        for attempt in range(1, policy.max_attempts + 1):
            try:
                path = await self._select(run_id, policy, checkpoint, run, rest)
                self._emit(
                    RecoveryEvent(
                        name="recovery.checkpoint_selected",
                        run_id=run_id,
                        attempt=attempt,
                        checkpoint_path=path,
                    )
                )
                if policy.restore_optimizer:
                    client = await service.create_training_client_from_state_with_optimizer(path)
                else:
                    client = await service.create_training_client_from_state(path)
            except Exception as exc:  # noqa: BLE001 - every failure is retried, then reported
                last = exc
                self._emit(
                    RecoveryEvent(
                        name="recovery.failed", run_id=run_id, attempt=attempt, error=describe(exc)
                    )
                )
                if attempt < policy.max_attempts:
                    await self._clock.sleep(policy.backoff.delay(attempt - 1))
                continue
            self._emit(
                RecoveryEvent(
                    name="recovery.client_created",
                    run_id=run_id,
                    attempt=attempt,
                    checkpoint_path=path,
                )
            )
            result = RecoveryResult(
                run_id=run_id, checkpoint_path=path, client=client, attempts=attempt
            )
            self._emit(
                RecoveryEvent(
                    name="recovery.completed",
                    run_id=run_id,
                    attempt=attempt,
                    checkpoint_path=path,
                )
            )
            await call_safely(policy.on_recovery, result, logger=self._log)
            return result
        assert last is not None  # max_attempts >= 1, so at least one attempt failed
        self._emit(
            RecoveryEvent(
                name="recovery.exhausted",
                run_id=run_id,
                attempt=policy.max_attempts,
                error=describe(last),
            )
        )
        await call_safely(policy.on_failure, run_id, last, logger=self._log)
        raise RecoveryExhaustedError(
            f"could not restore {run_id} in {policy.max_attempts} attempts: {describe(last)}",
            run_id=run_id,
            attempts=policy.max_attempts,
        ) from last

    async def _select(
        self,
        run_id: str,
        policy: RecoveryPolicy,
        checkpoint: str | Checkpoint | None,
        run: TrainingRun | None,
        rest: TrainingRunSource | None,
    ) -> str:
        if policy.checkpoint_strategy == "specific" and policy.checkpoint_path:
            chosen: str | None = policy.checkpoint_path
        elif checkpoint is not None:
            chosen = checkpoint if isinstance(checkpoint, str) else checkpoint.tinker_path
        else:
            if run is None and rest is not None:
                run = await rest.get_training_run(run_id)
            last = run.last_checkpoint if run is not None else None
            chosen = last.tinker_path if last is not None else None
        if chosen is None:
            raise RecoveryError(f"no checkpoint to restore {run_id} from", run_id=run_id)
        # Only a training state (weights/) can seed a training client.
        return require_kind(chosen, {"training"}, field="checkpoint_path").tinker_path

    def _emit(self, event: RecoveryEvent) -> None:
        notify(self._listeners, event, self._log)
