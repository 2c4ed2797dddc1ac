"""tinkex.testing.local_service: a user's trainer against the embedded backend, faults injected."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tinkex import types
from tinkex.errors import APIConnectionError, ConfigError
from tinkex.local import BackendConfig, FaultPlan
from tinkex.testing import (
    RecordingTelemetrySink,
    ScriptedTransport,
    VirtualClock,
    local_service,
    respond,
)

if TYPE_CHECKING:
    from tinkex.clients.service import ServiceClient

API = "/api/v1"
ADAM = types.AdamParams(learning_rate=2e-2)


def _datum(tokens: list[int]) -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


async def users_trainer(service: ServiceClient, steps: int) -> list[float]:
    """What a user's code might look like: train a few steps, then sample once."""
    training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=4, seed=0)
    data = [_datum([10 + i + 3 * j for j in range(8)]) for i in range(4)]
    losses = []
    for _ in range(steps):
        output, _ = await training.train_step(data, "cross_entropy", ADAM)
        losses.append(output.metrics["loss:sum"])
    sampler = await training.save_weights_and_get_sampling_client()
    await sampler.sample(
        types.ModelInput.from_ints([10, 11]), 1, types.SamplingParams(max_tokens=3, seed=1)
    )
    return losses


async def test_a_trainer_rides_out_injected_server_errors_in_virtual_time() -> None:
    """With 503s injected on the training and sampling calls, every step still completes."""
    clock = VirtualClock()
    transport = ScriptedTransport()
    plan = FaultPlan(error_5xx=0.3, seed=2, endpoints=("forward_backward", "optim_step", "asample"))
    async with local_service(fault_plan=plan, clock=clock, transport=transport) as service:
        losses = await users_trainer(service, steps=4)
    assert len(losses) == 4
    assert losses[-1] < losses[0]  # it really trained
    assert transport.statuses().count(503) == 7  # the seeded plan's faults, all retried
    # The retries backed off on the virtual clock, which moved only over those waits (about
    # 10 s here); had it jumped while the backend worked on its threads, it would have raced
    # through thousands of seconds of heartbeats.
    assert 1.0 < clock.elapsed < 60.0
    assert len(transport.requests_to("POST", f"{API}/session_heartbeat")) <= 6


async def test_parallel_chunks_with_failed_submissions_never_stall_virtual_time() -> None:
    """One-datum chunks go out in parallel; 503s among them are retried to completion."""
    transport = ScriptedTransport()
    plan = FaultPlan(error_5xx=0.4, seed=2, endpoints=("forward_backward",))
    flags = BackendConfig(client_flags={"fwdbwd_max_chunk_len": 1}, session_ttl_s=None)
    async with local_service(fault_plan=plan, transport=transport, backend_config=flags) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=4)
        data = [_datum([10 + i + 3 * j for j in range(8)]) for i in range(4)]
        for _ in range(2):
            output = await training.forward_backward(data, "cross_entropy")
            assert len(output.loss_fn_outputs) == 4
    assert transport.statuses().count(503) == 7  # the seeded plan's failures before 8 accepts
    assert len(transport.requests_to("POST", f"{API}/forward_backward")) == 8 + 7


async def test_scripted_routes_answer_first_and_the_backend_answers_the_rest() -> None:
    """A scripted 503 then a dropped connection on create_model; the retry reaches the backend."""
    transport = ScriptedTransport()
    dropped = APIConnectionError("reset", method="POST", url_path=f"{API}/create_model")
    transport.script("POST", f"{API}/create_model", respond(503), dropped)
    sink = RecordingTelemetrySink()
    async with local_service(transport=transport, telemetry=sink) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=4)
        assert training.model_id.startswith(await service.session_id())
    create_model = [e.status for e in transport.exchanges if e.request.url.endswith("create_model")]
    assert create_model == [503, None, 200]
    assert sink.names()[0] == "SESSION_START"
    assert transport.closed


async def test_the_client_is_closed_on_exit_and_a_fallback_transport_is_refused() -> None:
    """The yielded client is closed on exit; a transport with its own fallback is refused."""
    async with local_service() as service:
        await service.get_server_capabilities()
    assert service.closed
    with pytest.raises(ConfigError, match="must not have a fallback"):
        async with local_service(transport=ScriptedTransport(fallback=ScriptedTransport())):
            pass
