"""The machinery every TrainingClient method shares: turns, trackers, resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.clients.futures import APIFuture, FutureTracker
from tinkex.domain.ordering import TurnSequencer
from tinkex.flows.queue_state import QueueStateLogger
from tinkex.tokenizer import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Sequence

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.domain.types import GetInfoResponse, UntypedAPIFuture
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["TrainingClientBase"]

T = TypeVar("T")


class TrainingClientBase:
    """State and helpers of a training client (see `TrainingClient` for the surface).

    Attributes:
        model_id: The training run id (``<session>:train:<n>``).
        base_model: The model the run fine-tunes.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        model_id: str,
        base_model: str,
        info: GetInfoResponse,
        observers: Sequence[QueueStateObserver] = (),
    ) -> None:
        self._runtime = runtime
        self.model_id = model_id
        self.base_model = base_model
        self._info = info
        self._sequencer = TurnSequencer()
        self._observers = (
            QueueStateLogger.for_training(model_id, clock=runtime.clock, logger=runtime.logger),
            *observers,
        )

    def __repr__(self) -> str:
        return f"<TrainingClient model_id={self.model_id!r} base_model={self.base_model!r}>"

    # -- info ----------------------------------------------------------------------------

    async def get_info(self) -> GetInfoResponse:
        """The run's model information (fetched once, when the client was created)."""
        return self._info

    def get_tokenizer(self) -> Tokenizer:
        """The tokenizer of the run's base model."""
        return get_tokenizer(
            self.base_model,
            self._info.model_data.tokenizer_id,
            local=self._runtime.config.is_local,
        )

    def pending(self) -> list[Any]:
        """Every request of this runtime being polled right now (for debugging hangs)."""
        return self._runtime.resolver.pending()

    # -- machinery -----------------------------------------------------------------------

    def _tracker(self, request_type: str) -> FutureTracker:
        return FutureTracker(request_type, clock=self._runtime.clock, observers=self._observers)

    def _single(
        self,
        request_type: str,
        send: Callable[[int], Awaitable[UntypedAPIFuture]],
        result_type: type[T],
    ) -> APIFuture[T]:
        request_id = self._sequencer.reserve()
        tracker = self._tracker(request_type)

        async def run() -> T:
            async with self._sequencer.turn(request_id):
                submitted = await send(request_id + 1)
            tracker.mark_submitted(submitted.request_id)
            return await self._resolve(submitted, result_type, tracker)

        work: Coroutine[Any, Any, T] = run()
        return APIFuture.start(work, tracker, name=f"tinkex-{request_type}")

    async def _resolve(
        self, submitted: UntypedAPIFuture, result_type: type[T], tracker: FutureTracker
    ) -> T:
        return await self._runtime.resolver.resolve(
            submitted.request_id,
            result_type=result_type,
            request_type=tracker.request_type,
            observer=tracker,
            created_roundtrip_s=tracker.created_roundtrip_s(),
        )

    @property
    def sequencer(self) -> TurnSequencer:
        """The turn counter (used by the custom-loss runner to submit its phases)."""
        return self._sequencer
