"""The testing guide's example (docs/guides/testing.md includes this file's sections).

A trainer that takes a `ServiceClient`, tested against the embedded backend: plainly, with
injected server faults, and on the null model for plumbing-only checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex import types
from tinkex.local import FaultPlan, LocalBackend
from tinkex.metrics import REQUESTS_FAILURE, Metrics

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

TEXTS = ["Tomatoes want sun.", "Beans follow the frost."]


# --8<-- [start:trainer]
async def fine_tune(service: tinkex.ServiceClient, texts: list[str], *, steps: int) -> list[float]:
    """Your training code. It is handed a ServiceClient, so a test can choose the backend."""
    training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=8, seed=0)
    tokenizer = training.get_tokenizer()
    batch = []
    for text in texts:
        tokens = tokenizer.encode(text, add_bos=True)
        batch.append(
            types.Datum(
                model_input=types.ModelInput.from_ints(tokens[:-1]),
                loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
            )
        )
    losses = []
    for _ in range(steps):
        fwd_bwd = training.forward_backward(batch, "cross_entropy")
        optim = training.optim_step(types.AdamParams(learning_rate=2e-2))
        result, _ = await fwd_bwd, await optim
        losses.append(result.metrics["loss:sum"])
    await training.save_state("final")
    return losses


# --8<-- [end:trainer]


# --8<-- [start:fixture]
@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tinkex.ServiceClient]:
    """A ServiceClient on a fresh embedded backend whose checkpoints live in tmp_path."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False, env={}
    ) as service:
        yield service


# --8<-- [end:fixture]


# --8<-- [start:test]
async def test_fine_tune_lowers_the_loss_and_saves_a_checkpoint(
    service: tinkex.ServiceClient,
) -> None:
    losses = await fine_tune(service, TEXTS, steps=5)
    assert losses[-1] < losses[0]
    rest = service.create_rest_client()
    [run] = (await rest.list_training_runs()).training_runs
    assert run.last_checkpoint is not None
    assert run.last_checkpoint.tinker_path.endswith("/weights/final")


# --8<-- [end:test]


# --8<-- [start:faults]
async def test_fine_tune_survives_server_errors(tmp_path: Path) -> None:
    # A third of forward_backward calls are answered 503; tinkex retries them.
    plan = FaultPlan(error_5xx=0.34, endpoints=("forward_backward",), seed=3)
    backend = LocalBackend(tmp_path, fault_plan=plan)
    metrics = Metrics()  # counts every HTTP attempt, failed ones included
    try:
        async with tinkex.ServiceClient(
            backend=backend, metrics=metrics, telemetry=False, env={}
        ) as service:
            losses = await fine_tune(service, TEXTS, steps=5)
    finally:
        await backend.aclose()
    assert len(losses) == 5
    assert metrics.snapshot()["counters"][REQUESTS_FAILURE] >= 1  # faults did happen


# --8<-- [end:faults]


# --8<-- [start:null-model]
async def test_fine_tune_plumbing_on_the_null_model(tmp_path: Path) -> None:
    # The null model does no math (zero outputs of the right shapes): fast plumbing checks.
    backend = LocalBackend(tmp_path, null_model=True)
    try:
        async with tinkex.ServiceClient(backend=backend, telemetry=False, env={}) as service:
            losses = await fine_tune(service, TEXTS * 50, steps=2)
    finally:
        await backend.aclose()
    assert losses == [0.0, 0.0]


# --8<-- [end:null-model]


# --8<-- [start:doubles]
async def test_fine_tune_rides_out_scripted_errors_in_virtual_time() -> None:
    from tinkex.testing import ScriptedTransport, VirtualClock, local_service, respond

    # Two scripted 503s answer the first two forward_backward submissions; the backend
    # answers everything else. Retry backoffs pass on the virtual clock, not the real one.
    transport = ScriptedTransport()
    transport.script("POST", "/api/v1/forward_backward", respond(503), respond(503))
    clock = VirtualClock()
    async with local_service(transport=transport, clock=clock) as service:
        losses = await fine_tune(service, TEXTS, steps=3)
    assert len(losses) == 3
    assert losses[-1] < losses[0]
    assert transport.statuses().count(503) == 2
    assert clock.elapsed > 0  # the backoffs happened, in virtual time


# --8<-- [end:doubles]
