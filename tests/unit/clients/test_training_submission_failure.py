"""A training request the server never accepted poisons the client instead of hanging it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

import tinkex
from tinkex import types
from tinkex.adapters.clock import SystemClock
from tinkex.adapters.memory import json_response
from tinkex.bootstrap.adapters import Adapters, SharedTransportPool
from tinkex.domain.ordering import PoisonedClientError
from tinkex.errors import BadRequestError
from tinkex.local import InProcessTransport, LocalBackend

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.ports.transport import HttpRequest, HttpResponse


class RejectFirstForwardBackward:
    """Answers the first forward_backward POST with a 400; passes everything else through."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.rejected = 0

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        if urlsplit(request.url).path.endswith("/api/v1/forward_backward") and not self.rejected:
            self.rejected += 1
            return json_response(b'{"detail":"rejected"}', status=400)
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _datum() -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
    )


async def test_rejected_submission_fails_later_calls_at_once(tmp_path: Path) -> None:
    """The rejected request raises its error; queued and later requests fail fast, not hang."""
    transport = RejectFirstForwardBackward(
        InProcessTransport(LocalBackend(tmp_path), "http://local", close_backend=True)
    )
    adapters = Adapters(
        pool=SharedTransportPool(transport),
        clock=SystemClock(),
        base_url="http://local",
        threaded_heartbeat=False,
    )
    async with tinkex.ServiceClient(adapters=adapters, base_url="local", telemetry=False) as svc:
        training = await svc.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        rejected = training.forward_backward([_datum()], "cross_entropy")
        queued = training.optim_step(types.AdamParams())
        with pytest.raises(BadRequestError):
            await rejected
        with pytest.raises(PoisonedClientError):
            await queued.result(timeout=5)
        with pytest.raises(PoisonedClientError):
            training.forward_backward([_datum()], "cross_entropy")
    assert transport.rejected == 1
