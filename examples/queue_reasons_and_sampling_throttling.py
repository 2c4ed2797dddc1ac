"""Queue-pause reasons and sampling throttling: logger messages, byte estimates, a 429 backoff.

Tinkex ``queue_reasons_and_sampling_throttling.exs``, observer-based: (1) a `QueueStateLogger`
fed paused states in virtual time shows the default reasons, the server's reason winning, and
the 60 s debounce; (2) prompt byte estimates that the sampling dispatcher budgets; (3) the
embedded backend refuses one sample with 429 and the dispatcher backs off and re-sends.
"""

from __future__ import annotations

import asyncio
import sys

from _common import banner, data_dir, is_local, parser, prompt, recorded_local_service

from tinkex import types
from tinkex.adapters.clock import FakeClock
from tinkex.clients.sampling_checks import prompt_bytes
from tinkex.flows.logging import configure_logging
from tinkex.local import FaultPlan, LocalBackend
from tinkex.queue_state import QueueState, QueueStateLogger, default_reason
from tinkex.tokenizer import get_tokenizer


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)

    banner("default reasons")
    for state in QueueState:
        print(f"  {state.value:<18} sampling: {default_reason(state, sampling=True)!r}")
        print(f"  {'':<18} training: {default_reason(state, sampling=False)!r}")

    banner("QueueStateLogger (virtual time, 60 s debounce)")
    clock = FakeClock()
    logger = QueueStateLogger.for_sampling(
        "sampler-1", clock=clock, logger=configure_logging("info", stream=sys.stdout)
    )
    for at, state, reason in [
        (0, QueueState.PAUSED_RATE_LIMIT, None),  # warns with the default reason
        (10, QueueState.PAUSED_CAPACITY, "maintenance"),  # within 60 s: silent
        (75, QueueState.PAUSED_CAPACITY, "maintenance"),  # warns: the server's reason wins
        (80, QueueState.ACTIVE, None),  # never logged
    ]:
        clock.advance(at - (clock.monotonic() - 1_000.0))
        print(f"t={at:>3}s report {state.value}")
        logger.on_queue_state_change(state, reason)

    banner("prompt byte estimates")
    tokenizer = get_tokenizer(args.base_model, local=is_local(args))
    for text in ("hi", "x" * 1_000, "y" * 100_000):
        print(f"  {len(text):>7} chars -> {prompt_bytes(prompt(tokenizer, text)):>9} bytes")

    if not is_local(args):
        return 0
    banner("a 429 absorbed by the sampling dispatcher")
    with data_dir(args) as directory:
        plan = FaultPlan(seed=15, backpressure_429=0.3, endpoints=("asample",))
        service, pool = recorded_local_service(LocalBackend(directory, fault_plan=plan))
        async with service:
            sampler = await service.create_sampling_client(base_model=args.base_model)
            params = types.SamplingParams(max_tokens=4, seed=0)
            responses = await asyncio.gather(
                *(sampler.sample(prompt(tokenizer, f"throttle {i}"), 1, params) for i in range(3))
            )
            dispatcher = service.runtime.dispatcher
            print(
                f"  {len(responses)} samples done; dispatcher absorbed {dispatcher.backoffs} 429(s)"
            )
        statuses = [status for _, path, status in pool.log if path.endswith("/asample")]
        print(f"  asample statuses: {statuses}")
    return 0 if 429 in statuses and len(responses) == 3 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
