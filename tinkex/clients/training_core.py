"""The hand-written core of `TrainingClient` (generated on it): the run and its submitter.

Every submitting method validates its input, reserves its request id(s) at call time and
returns an `APIFuture` at once; submissions go out strictly in call order (a turn counter
advances when each POST returns), while results are awaited independently. So

```python
fwd_bwd = training.forward_backward(data, "cross_entropy")
optim = training.optim_step(AdamParams(learning_rate=1e-4))   # same clock cycle
result, _ = await fwd_bwd, await optim
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.clients.training_submitter import TrainingSubmitter
from tinkex.clients.training_weights import TrainingWeights
from tinkex.domain.wire_checks import check_observer

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from tinkex.domain.types import (
        GetInfoResponse,
    )
    from tinkex.ports.client import ClientContext
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["TrainingClientCore"]


class TrainingClientCore:
    """A LoRA training run on the service.

    Obtained from `ServiceClient.create_lora_training_client` or
    `ServiceClient.create_training_client_from_state`; not constructed directly.

    Its public methods are generated from the manifest (`TrainingClientMethods`) and call the
    domain hooks of `tinkex.clients.training_hooks`, which work through the client's private
    `TrainingSubmitter` (turn order, trackers, chunk submission, resolution) and
    `TrainingWeights` (checkpoints).

    Attributes:
        model_id: The training run id (``<session>:train:<n>``).
        base_model: The model the run fine-tunes.
    """

    def __init__(
        self,
        context: ClientContext,
        *,
        model_id: str,
        base_model: str,
        info: GetInfoResponse,
        observers: Sequence[QueueStateObserver] = (),
    ) -> None:
        self._context = context
        self.model_id = model_id
        self.base_model = base_model
        self._info = info
        self._submitter = TrainingSubmitter(context, model_id)
        self._submitter.observers = (*self._submitter.observers, *observers)
        self._weights = TrainingWeights(self._submitter, base_model)

    def __repr__(self) -> str:
        return f"<TrainingClient model_id={self.model_id!r} base_model={self.base_model!r}>"

    def add_queue_state_observer(self, observer: QueueStateObserver) -> None:
        """Tell `observer` the queue states of every request submitted from now on.

        Raises:
            ValidationError: `observer` has no ``on_queue_state_change`` method.
        """
        submitter = self._submitter
        submitter.observers = (*submitter.observers, check_observer(observer))

    def pending(self) -> list[Any]:
        """Every request of this runtime being polled right now (for debugging hangs)."""
        return self._context.pending_futures()
