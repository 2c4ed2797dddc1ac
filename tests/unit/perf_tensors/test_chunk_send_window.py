"""Parallel forward_backward chunks: large chunks overlap two at a time, small ones all at once."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import numpy as np

from tinkex.clients.service import ServiceClient
from tinkex.clients.training_wire import datum_bytes
from tinkex.domain.types import Datum, ModelInput
from tinkex.local import BackendConfig, InProcessTransport, LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.ports.transport import HttpRequest, HttpResponse, Transport

TINY_MODEL = "tinkex/tiny-byte-lm"


class InFlightGauge:
    """A Transport that counts forward_backward POSTs in flight and keeps the maximum."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.current = 0
        self.peak = 0
        self.bodies: list[int] = []

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        if not request.url.split("?", 1)[0].endswith("/forward_backward"):
            return await self.inner.send(request)
        self.current += 1
        self.peak = max(self.peak, self.current)
        self.bodies.append(len(request.body or b""))
        try:
            for _ in range(5):  # give every other ready send the chance to start
                await asyncio.sleep(0)
            return await self.inner.send(request)
        finally:
            self.current -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def _batch(count: int) -> list[Datum]:
    return [
        Datum(
            model_input=ModelInput.from_ints([10 + i, 11, 12, 13, 14]),
            loss_fn_inputs={
                "target_tokens": np.array([11, 12, 13, 14, 15], dtype=np.int64),
                "weights": np.ones(5, dtype=np.float32),
            },
        )
        for i in range(count)
    ]


async def _peak_in_flight(data_dir: Path, flags: dict[str, object], data: list[Datum]) -> int:
    backend = LocalBackend(data_dir, config=BackendConfig(poll_timeout_s=2.0, client_flags=flags))
    gauge = InFlightGauge(InProcessTransport(backend, "http://local"))
    try:
        async with ServiceClient(
            base_url="local", transport=gauge, telemetry=False, api_key="tml-test"
        ) as svc:
            training = await svc.create_lora_training_client(TINY_MODEL, rank=4, seed=0)
            result = await training.forward_backward(data, "cross_entropy")
            assert len(result.loss_fn_outputs) == len(data)
            assert len(gauge.bodies) == 6
    finally:
        await backend.aclose()
    return gauge.peak


async def test_chunks_near_the_byte_limit_overlap_at_most_two(tmp_path: Path) -> None:
    """One datum per chunk by bytes: a body is encoded only when fewer are in flight."""
    data = _batch(6)
    # One datum fits a chunk, two do not: six chunks, five of them sent before the first.
    flags: dict[str, object] = {"fwdbwd_max_chunk_bytes_count": datum_bytes(data[0]) + 1}
    assert await _peak_in_flight(tmp_path, flags, data) == 2


async def test_small_chunks_still_go_out_together(tmp_path: Path) -> None:
    """Chunks far below the byte limit (split by count) are all in flight at once."""
    flags: dict[str, object] = {"fwdbwd_max_chunk_len": 1}
    assert await _peak_in_flight(tmp_path, flags, _batch(6)) == 5
