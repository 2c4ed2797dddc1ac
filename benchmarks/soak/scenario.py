"""The soak's client side: a pipelined training loop and a sampling fan-out, run together.

Everything is seeded, so a run against a faulty server must give bit for bit what a run
against a fault-free one gives: the same losses, gradient norms, final weights and sampled
tokens. Training submits ``forward_backward`` and ``optim_step`` back to back (as the README
shows) and keeps `SoakSize.depth` steps in flight; sampling fans out `samples_per_round`
concurrent ``sample`` calls per round and notes the client's RSS after each round.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tinkex
from tinkex import types

if TYPE_CHECKING:
    from tinkex.clients.training import TrainingClient

__all__ = [
    "BASE_MODEL",
    "CHECKPOINT_NAME",
    "ScenarioResult",
    "SoakSize",
    "current_rss_kib",
    "run_scenario",
]

BASE_MODEL = "tinkex/tiny-byte-lm"
CHECKPOINT_NAME = "soak-final"
API_KEY = "tml-soak"
_ADAM = types.AdamParams(learning_rate=1e-2)


@dataclass(frozen=True)
class SoakSize:
    """How much the scenario does.

    Attributes:
        steps: Training steps (one forward_backward + one optim_step each).
        depth: Steps in flight at once (the pipeline depth).
        batch: Datums per step.
        tokens: Tokens per datum.
        sample_rounds: Rounds of the sampling fan-out.
        samples_per_round: Concurrent ``sample`` calls per round (one sequence each).
        max_tokens: Tokens sampled per call.
    """

    steps: int = 200
    depth: int = 2
    batch: int = 4
    tokens: int = 16
    sample_rounds: int = 5
    samples_per_round: int = 2000
    max_tokens: int = 8

    @property
    def samples(self) -> int:
        """Sample calls in all."""
        return self.sample_rounds * self.samples_per_round


@dataclass
class ScenarioResult:
    """What the client saw.

    Attributes:
        model_id: The trained model.
        losses: ``loss:sum`` per step, in step order.
        grad_norms: ``grad_norm:mean`` per optim_step, in step order.
        checkpoint: The tinker path of the final ``save_state``.
        sampled: Tokens of every sample call, in call order.
        rss_kib_after_round: The client's RSS after each sampling round.
        training_s: Wall time of the training loop (with the final save).
        sampling_s: Wall time of the sampling fan-out.
        duration_s: Wall time of the whole scenario (session to close).
    """

    model_id: str = ""
    losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    checkpoint: str = ""
    sampled: list[tuple[int, ...]] = field(default_factory=list)
    rss_kib_after_round: list[int] = field(default_factory=list)
    training_s: float = 0.0
    sampling_s: float = 0.0
    duration_s: float = 0.0


def current_rss_kib() -> int:
    """This process's resident set (``VmRSS``) in KiB; -1 if unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return -1


def step_batch(step: int, size: SoakSize) -> list[types.Datum]:
    """The datums of one step: different per step, the same on every run."""
    out = []
    for row in range(size.batch):
        tokens = [(step * 31 + row * 7 + j * 3) % 200 + 10 for j in range(size.tokens)]
        out.append(
            types.Datum(
                model_input=types.ModelInput.from_ints(tokens[:-1]),
                loss_fn_inputs={
                    "target_tokens": tokens[1:],
                    "weights": [1.0] * (size.tokens - 1),
                },
            )
        )
    return out


async def _train(training: TrainingClient, size: SoakSize, result: ScenarioResult) -> None:
    started = time.perf_counter()
    pending: list[
        tuple[
            tinkex.APIFuture[types.ForwardBackwardOutput],
            tinkex.APIFuture[types.OptimStepResponse],
        ]
    ] = []

    async def settle_oldest() -> None:
        fwd_bwd, optim = pending.pop(0)
        output, step = await fwd_bwd, await optim
        result.losses.append(output.metrics["loss:sum"])
        metrics = step.metrics or {}
        result.grad_norms.append(metrics["grad_norm:mean"])

    for step in range(size.steps):
        # Submitted back to back: the optim_step does not wait for the forward_backward.
        pending.append(
            (
                training.forward_backward(step_batch(step, size), "cross_entropy"),
                training.optim_step(_ADAM),
            )
        )
        if len(pending) >= size.depth:
            await settle_oldest()
    while pending:
        await settle_oldest()
    saved = await training.save_state(CHECKPOINT_NAME)
    result.checkpoint = saved.path
    result.training_s = time.perf_counter() - started


async def _sample(service: tinkex.ServiceClient, size: SoakSize, result: ScenarioResult) -> None:
    sampler = await service.create_sampling_client(base_model=BASE_MODEL)
    params = types.SamplingParams(max_tokens=size.max_tokens, temperature=1.0)
    prompts = [types.ModelInput.from_ints([1 + i, 2 + i, 3 + i, 4 + i]) for i in range(16)]
    started = time.perf_counter()
    for _ in range(size.sample_rounds):
        calls = [
            sampler.sample(prompts[i % len(prompts)], 1, params)
            for i in range(size.samples_per_round)
        ]
        responses = await asyncio.gather(*calls)
        result.sampled.extend(tuple(r.sequences[0].tokens) for r in responses)
        del calls, responses
        result.rss_kib_after_round.append(current_rss_kib())
    result.sampling_s = time.perf_counter() - started


async def run_scenario(base_url: str, size: SoakSize, *, seed: int = 1) -> ScenarioResult:
    """Train and sample against `base_url` at once; return what the client saw.

    Args:
        base_url: The server (or the fault proxy in front of it).
        size: How much to do.
        seed: Seeds the LoRA initialisation.
    """
    result = ScenarioResult()
    started = time.perf_counter()
    async with tinkex.ServiceClient(base_url=base_url, api_key=API_KEY, telemetry=False) as svc:
        training = await svc.create_lora_training_client(BASE_MODEL, rank=4, seed=seed)
        result.model_id = training.model_id
        await asyncio.gather(_train(training, size, result), _sample(svc, size, result))
    result.duration_s = time.perf_counter() - started
    return result
