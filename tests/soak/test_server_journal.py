"""The embedded backend's journal: the server's own record of started work and injected faults."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from aiohttp.test_utils import TestServer

from benchmarks.soak.server import read_journal
from tinkex.clients.service import ServiceClient
from tinkex.domain.types import AdamParams, Datum, ModelInput, SamplingParams
from tinkex.local import BackendConfig, FaultPlan, LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS
from tinkex.local.faults import FaultDecision
from tinkex.local.journal import Journal, fault_kind

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.clients.futures import APIFuture

MODEL = "tinkex/tiny-byte-lm"


def _datum(offset: int) -> Datum:
    tokens = [(offset + 3 * j) % 200 + 10 for j in range(6)]
    return Datum(
        model_input=ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * 5},
    )


@contextlib.asynccontextmanager
async def http_backend(
    data_dir: Path, plan: FaultPlan | None = None
) -> AsyncIterator[tuple[LocalBackend, ServiceClient]]:
    backend = LocalBackend(data_dir, fault_plan=plan, config=BackendConfig(poll_timeout_s=1.0))
    server = TestServer(make_app(backend), host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    try:
        url = str(server.make_url("")).rstrip("/")
        async with ServiceClient(base_url=url, api_key="tml-test", telemetry=False) as service:
            yield backend, service
    finally:
        await server.close()


async def test_the_journal_lists_a_models_work_in_the_order_it_was_applied(tmp_path: Path) -> None:
    journal_file = tmp_path / "journal.jsonl"
    async with http_backend(tmp_path / "data") as (backend, service):
        backend.state.journal.write_to(journal_file)
        training = await service.create_lora_training_client(MODEL, rank=4, seed=0)
        futures: list[APIFuture[Any]] = []
        for step in range(3):
            futures += [
                training.forward_backward([_datum(step)], "cross_entropy"),
                training.optim_step(AdamParams(learning_rate=1e-2)),
            ]
        for future in futures:
            await future
        sampler = await service.create_sampling_client(base_model=MODEL)
        await sampler.sample(ModelInput.from_ints([1, 2, 3]), 1, SamplingParams(max_tokens=2))
        in_memory = backend.state.journal.applied_seq_ids(training.model_id)
    assert in_memory == [0, 1, 2, 3, 4, 5, 6]  # the model's creation is its step 0
    record = read_journal(journal_file)
    assert record.started[training.model_id] == [
        ("CreateModel", 0),
        ("ForwardBackward", 1),
        ("OptimStep", 2),
        ("ForwardBackward", 3),
        ("OptimStep", 4),
        ("ForwardBackward", 5),
        ("OptimStep", 6),
    ]
    assert record.started_by_type["Sample"] == 1
    assert not record.faults


async def test_the_journal_counts_the_faults_the_plan_injected(tmp_path: Path) -> None:
    # Polls only: a poll that hits a fault is re-sent at once (or after a short backoff).
    plan = FaultPlan(
        seed=10,
        error_5xx=0.3,
        drop_connection=0.1,
        paused_408=0.3,
        endpoints=("retrieve_future",),
    )
    async with http_backend(tmp_path / "data", plan) as (backend, service):
        training = await service.create_lora_training_client(MODEL, rank=4, seed=0)
        for step in range(3):
            await training.forward_backward([_datum(step)], "cross_entropy")
        journal = backend.state.journal
        applied = journal.applied_seq_ids(training.model_id)
    assert applied == [0, 1, 2, 3]  # retried through the faults, each applied once
    assert journal.faults["5xx"] > 0
    assert journal.faults["drop"] > 0
    assert journal.faults["408"] > 0
    logged = [e for e in journal.events if e["event"] == "fault"]
    assert len(logged) == sum(journal.faults.values())


def test_fault_kind_follows_the_order_the_backend_answers_in() -> None:
    assert fault_kind(FaultDecision()) is None
    assert fault_kind(FaultDecision(latency_s=1.0)) is None
    assert fault_kind(FaultDecision(error_5xx=True, drop=True)) == "5xx"
    assert fault_kind(FaultDecision(backpressure=True, drop=True)) == "429"
    assert fault_kind(FaultDecision(paused=True, drop=True)) == "408"
    assert fault_kind(FaultDecision(drop=True)) == "drop"


def test_the_in_memory_journal_is_bounded(tmp_path: Path) -> None:
    journal = Journal(keep=3)
    for _ in range(10):
        journal.fault("/api/v1/asample", FaultDecision(error_5xx=True))
    assert len(journal.events) == 3
    assert journal.faults["5xx"] == 10


def test_a_journal_line_cut_short_by_a_kill_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text(
        '{"event":"fault","kind":"drop","endpoint":"asample"}\n{"event":"started","requ'
    )
    record = read_journal(path)
    assert record.faults["drop"] == 1
    assert not record.started_by_type
    assert read_journal(tmp_path / "missing.jsonl").faults == {}
