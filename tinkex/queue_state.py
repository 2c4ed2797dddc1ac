"""Queue states the server reports while a request waits, and the observers that hear them.

While a future is polled, the server may say the request is ``active``, or paused for lack
of capacity (``paused_capacity``) or by a rate limit (``paused_rate_limit``), optionally with
a human-readable reason. Every client reports each state it sees to its observers:

- `QueueStateLogger` (always installed): warns about pauses, at most once a minute, and for
  training only once a pause lasted 15 minutes; never logs ``active``.
- `QueueStateRecorder`: keeps every report with its time (tests, dashboards).
- `CompositeObserver`: fans out to several observers; one that raises is logged and skipped.
- Anything with ``on_queue_state_change(state, reason)`` satisfies `QueueStateObserver`.

```python
recorder = QueueStateRecorder()
training.add_queue_state_observer(recorder)
await training.forward_backward(data, "cross_entropy")
print(recorder.states)            # e.g. [QueueState.PAUSED_CAPACITY, QueueState.ACTIVE]
```
"""

from __future__ import annotations

from tinkex.flows.queue_state import (
    CAPACITY_REASON,
    SAMPLING_RATE_LIMIT_REASON,
    TRAINING_RATE_LIMIT_REASON,
    CompositeObserver,
    QueueStateChange,
    QueueStateLogger,
    QueueStateRecorder,
)
from tinkex.ports.futures import QueueState, QueueStateObserver

__all__ = [
    "CAPACITY_REASON",
    "SAMPLING_RATE_LIMIT_REASON",
    "TRAINING_RATE_LIMIT_REASON",
    "CompositeObserver",
    "QueueState",
    "QueueStateChange",
    "QueueStateLogger",
    "QueueStateObserver",
    "QueueStateRecorder",
    "default_reason",
]


def default_reason(state: QueueState, *, sampling: bool) -> str | None:
    """The message the logger uses when the server gave no reason (None for ``active``).

    Args:
        state: The reported state.
        sampling: True for sampling requests, False for training ones.
    """
    if state == QueueState.ACTIVE:
        return None
    if state == QueueState.PAUSED_RATE_LIMIT:
        return SAMPLING_RATE_LIMIT_REASON if sampling else TRAINING_RATE_LIMIT_REASON
    if state == QueueState.PAUSED_CAPACITY:
        return CAPACITY_REASON
    return "unknown"
