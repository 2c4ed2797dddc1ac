"""The hand-written core of `RestClient`: its construction and the ports it holds.

`RestClient` itself is generated (`tinkex.clients.generated.rest`) on this base:

```python
rest = service.create_rest_client()
async for run in rest.iter_training_runs():
    print(run.training_run_id)
await rest.set_checkpoint_ttl_from_tinker_path("tinker://run-1/weights/step-10", 7 * 86400)
```

Its methods are generated from the manifest (`RestClientMethods`, from ``clients.rest`` and the
REST flows): each checks its arguments before anything is sent (`ValidationError` names the
argument), then sends its request through the invoker's pipeline, so retries, telemetry and
tracing apply as the manifest says. Server answers surface as the tinkex error tree
(`ConflictError` for a double publish, `NotFoundError` for an unknown run...).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tinkex._compose import system_clock

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import Invoker

__all__ = ["RestClientCore"]


class RestClientCore:
    """Training runs, checkpoints, weights, sessions, samplers and billing over REST.

    Args:
        invoker: Runs endpoint calls through the request pipeline.
        clock: Time source for polling and waits (default: the real clock).
        env: Environment read once, at construction, for ``TINKER_PROJECT_ID`` (default
            ``os.environ``); only that value is kept, never the mapping, which may hold
            credentials.
    """

    def __init__(
        self,
        invoker: Invoker,
        *,
        clock: Clock | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._invoker = invoker
        self._clock: Clock = clock if clock is not None else system_clock()
        source = os.environ if env is None else env
        self._default_project_id: str | None = source.get("TINKER_PROJECT_ID") or None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(invoker={self._invoker!r})"

    @property
    def clock(self) -> Clock:
        """The time source used for polling and expiry checks."""
        return self._clock
