"""Opt-in recovery of corrupted training runs (the Tinkex ``Recovery`` modules).

Nothing here runs on its own: build a `RecoveryPolicy(enabled=True, ...)`, a
`RecoveryExecutor`, and a `RecoveryMonitor` watching the runs you name.

```python
policy = RecoveryPolicy(enabled=True, on_recovery=lambda result: print(result.client))
async with RecoveryMonitor(service.create_rest_client(), RecoveryExecutor(), policy) as monitor:
    monitor.monitor_run(training.model_id, service)
```
"""

from tinkex.recovery.events import (
    RECOVERY_EVENTS,
    RecoveryEvent,
    RecoveryListener,
    telemetry_listener,
)
from tinkex.recovery.executor import RecoveryExecutor
from tinkex.recovery.monitor import RecoveryMonitor
from tinkex.recovery.policy import (
    CheckpointStrategy,
    RecoveryError,
    RecoveryExhaustedError,
    RecoveryPolicy,
    RecoveryResult,
)
from tinkex.recovery.ports import TrainingClientFactory, TrainingRunSource

__all__ = [
    "RECOVERY_EVENTS",
    "CheckpointStrategy",
    "RecoveryError",
    "RecoveryEvent",
    "RecoveryExecutor",
    "RecoveryExhaustedError",
    "RecoveryListener",
    "RecoveryMonitor",
    "RecoveryPolicy",
    "RecoveryResult",
    "TrainingClientFactory",
    "TrainingRunSource",
    "telemetry_listener",
]
