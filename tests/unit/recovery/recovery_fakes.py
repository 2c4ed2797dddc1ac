"""Small working fakes of the REST and service calls recovery depends on."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from tinkex.domain.types import Checkpoint, TrainingRun
from tinkex.errors import InternalServerError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def checkpoint(run_id: str, name: str, kind: str = "weights") -> Checkpoint:
    """A REST checkpoint of `run_id`."""
    return Checkpoint(
        checkpoint_id=f"{kind}/{name}",
        checkpoint_type="training" if kind == "weights" else "sampler",
        time=NOW,
        tinker_path=f"tinker://{run_id}/{kind}/{name}",
    )


def training_run(
    run_id: str, *, corrupted: bool = False, last: Checkpoint | None = None
) -> TrainingRun:
    """A REST training run."""
    return TrainingRun(
        training_run_id=run_id,
        base_model="tinkex/tiny-byte-lm",
        model_owner="tester",
        is_lora=True,
        corrupted=corrupted,
        last_request_time=NOW,
        last_checkpoint=last,
    )


class FakeRest:
    """Training runs in a dict; `poll_failures` scripted errors are raised first."""

    def __init__(self, *runs: TrainingRun) -> None:
        self.runs = {run.training_run_id: run for run in runs}
        self.calls: list[str] = []
        self.poll_failures = 0

    def corrupt(self, run_id: str) -> None:
        """Mark a run corrupted, as the server would."""
        self.runs[run_id] = msgspec.structs.replace(self.runs[run_id], corrupted=True)

    async def get_training_run(self, training_run_id: str) -> TrainingRun:
        """The stored run (or a scripted 503)."""
        self.calls.append(training_run_id)
        if self.poll_failures:
            self.poll_failures -= 1
            raise InternalServerError("service unavailable", status=503)
        return self.runs[training_run_id]


class FakeClient(msgspec.Struct, frozen=True):
    """What the fake service creates."""

    path: str
    with_optimizer: bool


class FakeService:
    """Creates `FakeClient`s; the first `failures` calls raise a 503."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[str, bool]] = []

    async def create_training_client_from_state(self, path: str) -> FakeClient:
        """Weights only."""
        return self._create(path, with_optimizer=False)

    async def create_training_client_from_state_with_optimizer(self, path: str) -> FakeClient:
        """Weights and optimizer."""
        return self._create(path, with_optimizer=True)

    def _create(self, path: str, *, with_optimizer: bool) -> FakeClient:
        self.calls.append((path, with_optimizer))
        if self.failures:
            self.failures -= 1
            raise InternalServerError("service unavailable", status=503)
        return FakeClient(path=path, with_optimizer=with_optimizer)
