"""Queue-state observers on sampling and training: built-in logger, custom observer, recorder.

Tinkex ``queue_state_observer_demo.exs``. The embedded backend is told (fault plan) to answer
half of the future polls with 408 ``paused_capacity``, so the clients see the queue pause and
resume. Env: OBSERVER_MODE = builtin (default: only the built-in logger, which warns about
pauses at most once a minute) / custom (also a custom observer printing every change).
"""

from __future__ import annotations

import asyncio
import os

from _common import data_dir, is_local, parser, prompt, service_client, text_datum

import tinkex
from tinkex import types
from tinkex.local import FaultPlan, LocalBackend
from tinkex.queue_state import (
    CompositeObserver,
    QueueState,
    QueueStateObserver,
    QueueStateRecorder,
)


class PrintingObserver:
    """A custom observer: prints each change of state."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._last: QueueState | None = None

    def on_queue_state_change(self, queue_state: QueueState, reason: str | None, /) -> None:
        if queue_state != self._last:
            print(f"  [{self.label}] queue state -> {queue_state.value} ({reason or 'no reason'})")
            self._last = queue_state


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    mode = os.environ.get("OBSERVER_MODE", "custom")
    with data_dir(args) as directory:
        plan = FaultPlan(seed=1, paused_408=0.5, endpoints=("retrieve_future",))
        backend = LocalBackend(directory, fault_plan=plan) if is_local(args) else None
        try:
            async with service_client(args, backend=backend) as service:
                recorder = QueueStateRecorder(service.runtime.clock)
                observers: list[QueueStateObserver] = [recorder]
                if mode == "custom":
                    observers.append(PrintingObserver("training"))
                training = await service.create_lora_training_client(args.base_model, rank=8)
                training.add_queue_state_observer(CompositeObserver(*observers))
                tokenizer = training.get_tokenizer()
                print("forward_backward x3:")
                for _ in range(3):
                    await training.forward_backward(
                        [text_datum(tokenizer, "queue states")], "cross_entropy"
                    )

                base = await service.create_sampling_client(base_model=args.base_model)
                sampling_recorder = QueueStateRecorder(service.runtime.clock)
                sampling_observers: list[QueueStateObserver] = [sampling_recorder]
                if mode == "custom":
                    sampling_observers.append(PrintingObserver("sampling"))
                # SamplingClient takes observers at construction (no add_queue_state_observer).
                sampler = tinkex.SamplingClient(
                    service.runtime,
                    sampling_session_id=base.sampling_session_id,
                    base_model=base.base_model,
                    observers=sampling_observers,
                )
                print("sample x3:")
                for index in range(3):
                    await sampler.sample(
                        prompt(tokenizer, f"observer {index}"),
                        1,
                        types.SamplingParams(max_tokens=4, seed=index),
                    )
        finally:
            if backend is not None:
                await backend.aclose()
    print(f"training states recorded: {[s.value for s in recorder.states]}")
    print(f"sampling states recorded: {[s.value for s in sampling_recorder.states]}")
    paused = QueueState.PAUSED_CAPACITY
    seen = paused in recorder.states or paused in sampling_recorder.states
    return 0 if seen or not is_local(args) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
