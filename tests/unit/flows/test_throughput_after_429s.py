"""Throughput comes back after 429s (issue 15.4), end to end over the embedded backend.

Scaled down from the issue's runs: a pipelined training loop behind a proxy that answers
bursts of fifteen 429s with a short ``retry-after-ms``, and concurrent samples of which 30 %
are refused with 429. Before the fix the first took about 460 s for 20 steps (the poll
backoff ignored retry-after and grew to 30 s); the bounds here are generous multiples of
what the bursts themselves cost, so a loaded machine does not make them flaky.

These run in real time: the embedded backend computes in a worker thread, which a virtual
clock would skip over (the flow-level tests of the same loops use virtual time).
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tinkex.adapters.clock import SystemClock
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.clients.service import ServiceClient
from tinkex.domain.types import AdamParams, Datum, ModelInput, SamplingParams
from tinkex.local import BackendConfig, FaultPlan, InProcessTransport, LocalBackend
from tinkex.manifest.loader import load_manifest
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    from tinkex.ports.transport import HttpRequest, Transport

TINY_MODEL = "tinkex/tiny-byte-lm"
SHIPPED = Path(__file__).resolve().parents[3] / "tinkex" / "manifest" / "tinker.yaml"
RETRY_AFTER_S = 0.02
BURST = 15


class BurstProxy:
    """A Transport in front of another that answers bursts of 429s, as a fault proxy would.

    Once `armed`, each request starts a burst with probability `chance` (seeded); the burst's
    `length` requests (this one included) get 429 with ``retry-after-ms`` and never reach
    the server.
    """

    def __init__(self, inner: Transport, *, chance: float, length: int, seed: int) -> None:
        self.inner = inner
        self.chance = chance
        self.length = length
        self.armed = False
        self.bursts = 0
        self.refused = 0
        self._rng = random.Random(seed)
        self._left = 0

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        if self.armed and self._left == 0 and self._rng.random() < self.chance:
            self._left = self.length
            self.bursts += 1
        if self._left > 0:
            self._left -= 1
            self.refused += 1
            return HttpResponse(
                status=429,
                headers={
                    "content-type": "application/json",
                    "retry-after-ms": str(int(RETRY_AFTER_S * 1000)),
                },
                body=b'{"detail":"rate limited"}',
            )
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _datum(step: int) -> Datum:
    tokens = [(7 * step + 3 * j) % 200 + 10 for j in range(6)]
    return Datum(
        model_input=ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": np.asarray(tokens[1:], dtype=np.int64),
            "weights": np.ones(5, dtype=np.float32),
        },
    )


async def _train(
    data_dir: Path, steps: int, proxy_chance: float
) -> tuple[list[float], float, BurstProxy]:
    backend = LocalBackend(data_dir, config=BackendConfig(poll_timeout_s=2.0))
    proxy = BurstProxy(
        InProcessTransport(backend, "http://local"), chance=proxy_chance, length=BURST, seed=4
    )
    adapters = Adapters(
        pool=SharedTransportPool(proxy),
        clock=SystemClock(),
        base_url="http://local",
        threaded_heartbeat=False,
    )
    losses: list[float] = []
    try:
        async with ServiceClient(
            adapters=adapters, telemetry=False, api_key="tml-test", log_level="error"
        ) as service:
            training = await service.create_lora_training_client(TINY_MODEL, rank=4, seed=0)
            proxy.armed = True
            started = time.perf_counter()
            for step in range(steps):
                # Pipelined: both requests are submitted before either result is awaited.
                result = training.forward_backward([_datum(step)], "cross_entropy")
                update = training.optim_step(AdamParams(learning_rate=1e-2))
                losses.append((await result).metrics["loss:sum"])
                await update
            elapsed = time.perf_counter() - started
    finally:
        await backend.aclose()
    return losses, elapsed, proxy


async def test_training_through_429_bursts_finishes_in_a_small_multiple_of_the_bursts(
    tmp_path: Path,
) -> None:
    """20 pipelined steps through 15-request 429 bursts: same losses, bounded time."""
    clean, _, _ = await _train(tmp_path / "clean", 20, proxy_chance=0.0)
    losses, elapsed, proxy = await _train(tmp_path / "bursts", 20, proxy_chance=0.06)
    assert losses == clean  # every step applied exactly once, in order
    assert proxy.bursts >= 3
    bursts_length = proxy.refused * RETRY_AFTER_S  # what honouring every 429's wait costs
    # Before: every burst that hit a poll cost up to 1+2+4+8+16+30x10 = 331 s.
    assert elapsed < 3 * bursts_length + 10.0, (elapsed, proxy.bursts, proxy.refused)


async def _sample(data_dir: Path, count: int, refuse: float) -> tuple[float, int, int]:
    plan = FaultPlan(seed=3, backpressure_429=refuse, endpoints=("asample",))
    backend = LocalBackend(data_dir, fault_plan=plan, config=BackendConfig(poll_timeout_s=2.0))
    adapters = Adapters(
        pool=SharedTransportPool(InProcessTransport(backend, "http://local")),
        clock=SystemClock(),
        base_url="http://local",
        threaded_heartbeat=False,
    )
    # The holder-wide backoff, scaled down from 1 s like the proxy's retry-after.
    manifest = load_manifest(
        SHIPPED.read_text(encoding="utf-8").replace(
            "backoff_small: {base_s: 1.0, max_s: 1.0}", "backoff_small: {base_s: 0.05, max_s: 0.05}"
        )
    )
    try:
        async with ServiceClient(
            adapters=adapters,
            telemetry=False,
            api_key="tml-test",
            log_level="error",
            manifest=manifest,
        ) as service:
            sampler = await service.create_sampling_client(base_model=TINY_MODEL)
            prompt = ModelInput.from_ints([72, 101, 108, 108, 111])
            started = time.perf_counter()
            results = await asyncio.gather(
                *(
                    sampler.sample(prompt, 1, SamplingParams(max_tokens=2, seed=i))
                    for i in range(count)
                )
            )
            elapsed = time.perf_counter() - started
            assert all(len(r.sequences) == 1 for r in results)
            dispatcher = service.runtime.dispatcher
            return elapsed, dispatcher.backoffs, dispatcher.waves
    finally:
        await backend.aclose()


async def test_sampling_with_30_percent_429s_pays_one_backoff_per_wave(tmp_path: Path) -> None:
    """150 samples, 30 % refused: one holder-wide backoff per wave of resends, not per 429."""
    clean, _, _ = await _sample(tmp_path / "clean", 150, refuse=0.0)
    elapsed, refusals, waves = await _sample(tmp_path / "refused", 150, refuse=0.3)
    assert refusals > 30  # ~0.3 * 150 / 0.7 = 64 expected
    assert waves <= 12  # ~log(150) / log(1 / 0.3) = 4 rounds of resends, plus stragglers
    # Before: each 429 moved the deadline and ten throttled slots were held while waiting,
    # which cost about a second per wave plus one backoff per 429.
    assert elapsed < 3 * clean + 3 * waves * 0.05 + 5.0, (elapsed, clean, refusals, waves)
