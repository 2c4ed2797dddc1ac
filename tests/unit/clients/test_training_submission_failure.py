"""A training request the server never accepted poisons the client instead of hanging it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex import types
from tinkex.domain.ordering import PoisonedClientError
from tinkex.errors import BadRequestError
from tinkex.local import InProcessTransport, LocalBackend
from tinkex.testing import ScriptedTransport, respond

if TYPE_CHECKING:
    from pathlib import Path


def _datum() -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
    )


async def test_rejected_submission_fails_later_calls_at_once(tmp_path: Path) -> None:
    """The rejected request raises its error; queued and later requests fail fast, not hang."""
    backend = InProcessTransport(LocalBackend(tmp_path), "http://local", close_backend=True)
    transport = ScriptedTransport(fallback=backend)
    transport.script("POST", "/api/v1/forward_backward", respond(400, {"detail": "rejected"}))
    async with tinkex.ServiceClient(transport=transport, base_url="local", telemetry=False) as svc:
        training = await svc.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        rejected = training.forward_backward([_datum()], "cross_entropy")
        queued = training.optim_step(types.AdamParams())
        with pytest.raises(BadRequestError):
            await rejected
        with pytest.raises(PoisonedClientError):
            await queued.result(timeout=5)
        with pytest.raises(PoisonedClientError):
            training.forward_backward([_datum()], "cross_entropy")
    assert [
        r.status for r in transport.exchanges if r.request.url.endswith("forward_backward")
    ] == [400]
