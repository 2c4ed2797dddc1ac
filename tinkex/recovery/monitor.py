"""`RecoveryMonitor`: watch training runs and hand corrupted ones to a `RecoveryExecutor`.

```python
policy = RecoveryPolicy(enabled=True, poll_interval_s=30.0)
async with RecoveryMonitor(service.create_rest_client(), RecoveryExecutor(), policy) as monitor:
    monitor.monitor_run(training.model_id, service)
    ...                                   # every 30 s: GET training_runs/{id}; corrupted? restore
```

Nothing is watched unless asked: `monitor_run` refuses when the policy is disabled. Every
``poll_interval_s`` (on the Clock) each watched run is fetched; a run reported ``corrupted``
stops being watched and is restored in the background (``recovery.detected``). A failed poll
is reported (``recovery.poll_error``) and the run stays watched.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from tinkex.adapters.clock import SystemClock
from tinkex.flows.logging import configure_logging
from tinkex.recovery.events import RecoveryEvent, describe, notify
from tinkex.recovery.policy import RecoveryError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock
    from tinkex.recovery.events import RecoveryListener
    from tinkex.recovery.executor import RecoveryExecutor
    from tinkex.recovery.policy import RecoveryPolicy, RecoveryResult
    from tinkex.recovery.ports import TrainingClientFactory, TrainingRunSource

__all__ = ["RecoveryMonitor"]

C = TypeVar("C")


class RecoveryMonitor(Generic[C]):
    """Poll watched runs for corruption and start their recovery.

    Args:
        rest: Describes runs (a `RestClient`, or a fake).
        executor: Restores corrupted runs.
        policy: Must be enabled for anything to be watched; sets the poll interval.
        clock: Time source of the polling loop.
        listeners: Told the monitor's events (``detected``, ``poll_error``).
        logger: Where events are logged.
    """

    def __init__(
        self,
        rest: TrainingRunSource,
        executor: RecoveryExecutor[C],
        policy: RecoveryPolicy,
        *,
        clock: Clock | None = None,
        listeners: Sequence[RecoveryListener] = (),
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        self._rest = rest
        self._executor = executor
        self.policy = policy
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._listeners = tuple(listeners)
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._watched: dict[str, TrainingClientFactory[C]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._recoveries: list[asyncio.Task[RecoveryResult[C] | None]] = []
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def watched(self) -> frozenset[str]:
        """The runs being watched."""
        return frozenset(self._watched)

    @property
    def recoveries(self) -> list[asyncio.Task[RecoveryResult[C] | None]]:
        """The background recoveries started so far, in detection order."""
        return list(self._recoveries)

    def monitor_run(self, run_id: str, service: TrainingClientFactory[C]) -> None:
        """Watch `run_id`; if it becomes corrupted, restore it through `service`.

        Must be called on the event loop; starts the polling loop if needed.

        Raises:
            RecoveryError: The policy is disabled, or the monitor is closed.
        """
        if not self.policy.enabled:
            raise RecoveryError("recovery is disabled by the policy", run_id=run_id)
        if self._closed:
            raise RecoveryError("the monitor is closed", run_id=run_id)
        self._watched[run_id] = service
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(
                self._run(), name="tinkex-recovery-monitor"
            )

    def stop_monitoring(self, run_id: str) -> bool:
        """Stop watching `run_id`; True if it was watched."""
        return self._watched.pop(run_id, None) is not None

    async def poll_once(self) -> list[str]:
        """Check every watched run once and start recovery of the corrupted ones.

        Returns:
            The runs found corrupted in this round.
        """
        detected = []
        for run_id, service in list(self._watched.items()):
            try:
                run = await self._rest.get_training_run(run_id)
            except Exception as exc:  # noqa: BLE001 - a failed poll keeps the run watched
                self._emit(
                    RecoveryEvent(name="recovery.poll_error", run_id=run_id, error=describe(exc))
                )
                continue
            if not run.corrupted or self._watched.pop(run_id, None) is None:
                continue
            last = run.last_checkpoint
            self._emit(
                RecoveryEvent(
                    name="recovery.detected",
                    run_id=run_id,
                    checkpoint_path=last.tinker_path if last is not None else None,
                )
            )
            detected.append(run_id)
            self._recoveries.append(
                self._executor.submit(run_id, service, self.policy, run=run, rest=self._rest)
            )
        return detected

    async def wait_recoveries(self) -> list[RecoveryResult[C] | None]:
        """Wait for every recovery started so far; their results in detection order."""
        return list(await asyncio.gather(*self._recoveries))

    async def aclose(self) -> None:
        """Stop polling and cancel recoveries still running; safe to call twice."""
        self._closed = True
        self._watched.clear()
        task, self._loop_task = self._loop_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))
        await self._executor.aclose()

    async def _run(self) -> None:
        while self._watched:
            await self._clock.sleep(self.policy.poll_interval_s)
            await self.poll_once()

    def _emit(self, event: RecoveryEvent) -> None:
        notify(self._listeners, event, self._log)
