"""The submission machinery of one training run: turns, trackers, chunks and resolution.

A `TrainingClient` is composed of one `TrainingSubmitter` (this) and one `TrainingWeights`
helper; neither is part of the public surface. The submitter reserves request ids at call
time, sends each request in its turn (the server applies seq_ids strictly in order), and
resolves the futures the server hands back.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.clients.futures import APIFuture, FutureState, FutureTracker
from tinkex.clients.operation_span import end_with, operation_span
from tinkex.clients.training_wire import combine_outputs, submit_chunk
from tinkex.domain.ordering import TurnSequencer
from tinkex.domain.types import ForwardBackwardOutput
from tinkex.errors import ClosedError
from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.queue_state import QueueStateLogger

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from tinkex.domain.types import Datum, UntypedAPIFuture
    from tinkex.ports.client import ClientContext
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["TrainingSubmitter"]

T = TypeVar("T")


class TrainingSubmitter:
    """Ordered submission and resolution of one training run's requests.

    Attributes:
        runtime: The client stack the run's requests go through.
        model_id: The training run id.
        sequencer: The turn counter of the run's request ids.
        observers: Told the queue states of every request submitted from now on.
        unloaded: Set once the model was unloaded: no further request is accepted.
    """

    def __init__(self, runtime: ClientContext, model_id: str) -> None:
        self.runtime = runtime
        self.model_id = model_id
        self.sequencer = TurnSequencer()
        self.unloaded = False
        self.observers: tuple[QueueStateObserver, ...] = (
            QueueStateLogger.for_training(model_id, clock=runtime.clock, logger=runtime.logger),
        )

    def check_open(self) -> None:
        """Refuse new work once the ServiceClient was closed or the model unloaded.

        Raises:
            ClosedError: Either happened.
        """
        if self.runtime.closed:
            raise ClosedError("the ServiceClient of this training client is closed")
        if self.unloaded:
            raise ClosedError(f"the model {self.model_id} was unloaded")

    def tracker(self, request_type: str) -> FutureTracker:
        """A tracker for one request of `request_type`, reporting to the observers."""
        return FutureTracker(
            request_type,
            clock=self.runtime.clock,
            observers=self.observers,
            since_last_response=self._since_last_response,
        )

    def _since_last_response(self, request_id: str) -> float | None:
        for info in self.runtime.pending_futures():
            if info.request_id == request_id:
                return info.seconds_since_last_response
        return None

    def single(
        self,
        request_type: str,
        send: Callable[[int], Awaitable[UntypedAPIFuture]],
        result_type: type[T],
    ) -> APIFuture[T]:
        """Reserve one id, send `send(seq_id)` in its turn, resolve to `result_type`."""
        self.check_open()
        request_id = self.sequencer.reserve()
        tracker = self.tracker(request_type)

        async def submit() -> list[UntypedAPIFuture]:
            async with self.sequencer.turn(request_id, poison_on_error=True):
                submitted = await send(request_id + 1)
            tracker.mark_submitted(submitted.request_id)
            return [submitted]

        async def resolve(submitted: list[UntypedAPIFuture]) -> T:
            return await self.resolve(submitted[0], result_type, tracker)

        return self.submit_then_resolve(submit(), resolve, tracker)

    def submit_then_resolve(
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
        with operation_span(self.runtime.observability, tracker.request_type) as span:
            submitting = asyncio.get_running_loop().create_task(submit, name=f"{name}:submit")
            submitting.add_done_callback(_retrieve_exception)

            async def run() -> T:
                return await resolve(await asyncio.shield(submitting))

            future = APIFuture.start(run(), tracker, name=name)
        future.add_done_callback(lambda done: end_with(span, done))
        return future

    async def resolve(
        self, submitted: UntypedAPIFuture, result_type: type[T], tracker: FutureTracker
    ) -> T:
        """Wait for one server future's result."""
        return await self.runtime.resolver.resolve(
            submitted.request_id,
            result_type=result_type,
            request_type=tracker.request_type,
            observer=tracker,
            created_roundtrip_s=tracker.created_roundtrip_s(),
        )

    async def run_chunks(
        self,
        chunks: list[list[Datum]],
        first: int,
        loss_fn: str,
        config: dict[str, float | str] | None,
        *,
        forward_only: bool,
        tracker: FutureTracker,
    ) -> ForwardBackwardOutput:
        """Submit pre-chunked data on reserved ids (see `submit_chunks`) and combine results.

        Used by the custom-loss runner, which reserves the ids of both its phases up front.
        """
        submitted = await self.submit_chunks(
            chunks, first, loss_fn, config, forward_only=forward_only, tracker=tracker
        )
        return await self.resolve_chunks(submitted, chunks, tracker)

    async def resolve_chunks(
        self,
        submitted: list[UntypedAPIFuture],
        chunks: list[list[Datum]],
        tracker: FutureTracker,
    ) -> ForwardBackwardOutput:
        """Wait for every chunk's result and fold them into one (by metric reduction)."""
        results = await asyncio.gather(
            *(self.resolve(f, ForwardBackwardOutput, tracker) for f in submitted)
        )
        return combine_outputs(results, [len(c) for c in chunks])

    async def submit_chunks(
        self,
        chunks: list[list[Datum]],
        first: int,
        loss_fn: str,
        config: dict[str, float | str] | None,
        *,
        forward_only: bool,
        tracker: FutureTracker,
    ) -> list[UntypedAPIFuture]:
        """Submit pre-chunked data on reserved ids ``first..first+len(chunks)-1``, in turn.

        Returns:
            The server's future of each chunk, in chunk order.
        """
        runtime = self.runtime
        # Parallel chunks overlap only about two full chunks' bytes at a time: each body is
        # encoded when its send starts and freed when its POST returns, so a large batch never
        # holds every encoded chunk at once (a batch of small chunks still goes out together).
        window = BytesSemaphore(runtime.server_config.fwdbwd_max_chunk_bytes_count)

        async def send(index: int) -> UntypedAPIFuture:
            return await submit_chunk(
                runtime,
                model_id=self.model_id,
                seq_id=first + index + 1,
                chunk=chunks[index],
                loss_fn=loss_fn,
                loss_fn_config=config,
                forward_only=forward_only,
                window=window,
            )

        submitted: list[UntypedAPIFuture]
        if runtime.server_config.parallel_fwdbwd_chunks and not runtime.legacy:
            # A chunk that is never accepted leaves a seq_id gap the server would wait on
            # forever: the turn poisons the client instead of letting later requests out.
            async with self.sequencer.turn(first, len(chunks), poison_on_error=True):
                # The server will not start later seq_ids before the first arrives, so the
                # first chunk goes last and finds the rest of the batch queued.
                rest = await asyncio.gather(*(send(i) for i in range(1, len(chunks))))
                submitted = [await send(0), *rest]
        else:
            submitted = []
            for index in range(len(chunks)):
                async with self.sequencer.turn(first + index, poison_on_error=True):
                    submitted.append(await send(index))
        tracker.mark_submitted(submitted[0].request_id)
        return submitted

    def poison_if_cancelled(self, future: APIFuture[ForwardBackwardOutput]) -> None:
        """Poison the run when a custom-loss future was cancelled before it sent its ids."""
        if future.state is FutureState.CANCELLED:
            self.sequencer.poison(asyncio.CancelledError("forward_backward_custom cancelled"))


def _retrieve_exception(task: asyncio.Task[Any]) -> None:
    # A submission whose future was cancelled has nobody awaiting it; its error (already
    # reported by the pipeline) must not be logged again as "never retrieved".
    if not task.cancelled():
        task.exception()
