"""What recovery needs from the outside: run status over REST, and a way to restore a run.

`tinkex.RestClient` and `tinkex.ServiceClient` satisfy these Protocols as they are; tests and
simulations pass small working fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from tinkex.domain.types import TrainingRun

__all__ = ["TrainingClientFactory", "TrainingRunSource"]

C_co = TypeVar("C_co", covariant=True)


class TrainingRunSource(Protocol):
    """Describes training runs (``GET /api/v1/training_runs/{id}``)."""

    async def get_training_run(self, training_run_id: str) -> TrainingRun:
        """The run's current description; raises the tinkex API errors on failure."""
        ...


class TrainingClientFactory(Protocol[C_co]):
    """Creates a training client from a ``tinker://…/weights/…`` checkpoint."""

    async def create_training_client_from_state(self, path: str) -> C_co:
        """A new run with the checkpoint's weights and a fresh optimizer."""
        ...

    async def create_training_client_from_state_with_optimizer(self, path: str) -> C_co:
        """A new run with the checkpoint's weights and optimizer state."""
        ...
