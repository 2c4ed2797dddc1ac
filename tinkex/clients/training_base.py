"""The machinery every TrainingClient method shares: turns, trackers, resolution."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.clients.futures import APIFuture, FutureTracker
from tinkex.clients.operation_span import end_with, operation_span
from tinkex.domain.ordering import TurnSequencer
from tinkex.domain.paths import training_run_console_url
from tinkex.domain.wire_checks import check_observer
from tinkex.errors import ClosedError
from tinkex.flows.queue_state import QueueStateLogger
from tinkex.tokenizer import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Sequence

    from tinkex.domain.types import GetInfoResponse, UntypedAPIFuture
    from tinkex.ports.client import ClientContext
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
        runtime: ClientContext,
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
        self._unloaded = False
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

    def get_console_url(self) -> str:
        """The run's page on the Tinker console."""
        return training_run_console_url(self.model_id)

    def add_queue_state_observer(self, observer: QueueStateObserver) -> None:
        """Tell `observer` the queue states of every request submitted from now on.

        Raises:
            ValidationError: `observer` has no ``on_queue_state_change`` method.
        """
        self._observers = (*self._observers, check_observer(observer))

    def pending(self) -> list[Any]:
        """Every request of this runtime being polled right now (for debugging hangs)."""
        return self._runtime.pending_futures()

    # -- machinery -----------------------------------------------------------------------

    def _check_open(self) -> None:
        """Refuse new work once the ServiceClient that made this client was closed."""
        if self._runtime.closed:
            raise ClosedError("the ServiceClient of this training client is closed")
        if self._unloaded:
            raise ClosedError(f"the model {self.model_id} was unloaded")

    def _tracker(self, request_type: str) -> FutureTracker:
        return FutureTracker(
            request_type,
            clock=self._runtime.clock,
            observers=self._observers,
            since_last_response=self._since_last_response,
        )

    def _since_last_response(self, request_id: str) -> float | None:
        for info in self._runtime.pending_futures():
            if info.request_id == request_id:
                return info.seconds_since_last_response
        return None

    def _single(
        self,
        request_type: str,
        send: Callable[[int], Awaitable[UntypedAPIFuture]],
        result_type: type[T],
    ) -> APIFuture[T]:
        self._check_open()
        request_id = self._sequencer.reserve()
        tracker = self._tracker(request_type)

        async def submit() -> list[UntypedAPIFuture]:
            async with self._sequencer.turn(request_id, poison_on_error=True):
                submitted = await send(request_id + 1)
            tracker.mark_submitted(submitted.request_id)
            return [submitted]

        async def resolve(submitted: list[UntypedAPIFuture]) -> T:
            return await self._resolve(submitted[0], result_type, tracker)

        return self._submit_then_resolve(submit(), resolve, tracker)

    def _submit_then_resolve(
        self,
        submit: Coroutine[Any, Any, list[UntypedAPIFuture]],
        resolve: Callable[[list[UntypedAPIFuture]], Coroutine[Any, Any, T]],
        tracker: FutureTracker,
    ) -> APIFuture[T]:
        """Submit in a task of its own, started now; the future waits for it, then resolves.

        The submission is shielded from the future's cancellation: its request ids were
        reserved at call time and the server applies seq_ids strictly in order, so an id
        that is never sent would stall every later request of the run. Cancelling the future
        stops the waiting and the polling; a request not yet sent is still sent.
        """
        name = f"tinkex-{tracker.request_type}"
        with operation_span(self._runtime.observability, tracker.request_type) as span:
            submitting = asyncio.get_running_loop().create_task(submit, name=f"{name}:submit")
            submitting.add_done_callback(_retrieve_exception)

            async def run() -> T:
                return await resolve(await asyncio.shield(submitting))

            future = APIFuture.start(run(), tracker, name=name)
        future.add_done_callback(lambda done: end_with(span, done))
        return future

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


def _retrieve_exception(task: asyncio.Task[Any]) -> None:
    # A submission whose future was cancelled has nobody awaiting it; its error (already
    # reported by the pipeline) must not be logged again as "never retrieved".
    if not task.cancelled():
        task.exception()
