"""The hand-written core of `SamplingClient`: its client stack, sequence ids, handles, pickling.

`SamplingClient` itself is generated (`tinkex.clients.generated.sampling`) on this base.
`sample` validates its arguments, then runs each attempt under the sampling dispatcher (count
and byte limits; a 429 slows the caller down instead of failing it) inside the session's retry
handler (retries with backoff, stuck detection), and polls the result: protobuf into numpy
fields (list views are lazy), or JSON on a JSON-era server. `sample_stream` streams tokens.

A client can move to another process: `get_sampler_handle` / `from_sampler_handle`, or plain
pickling (which also carries the API key). The rebuilt client starts its own client stack on
first use and joins the original session (see `tinkex.clients.sampling_handle`); clients of
the in-process embedded backend refuse to be exported, because no other process can reach it.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Self

from tinkex import api
from tinkex._compose import system_clock
from tinkex.clients.operation_span import global_observability
from tinkex.clients.sampling_handle import (
    LazyRuntime,
    SamplerHandle,
    clone_seq_start,
    handle_for,
)
from tinkex.domain.paths import require_kind
from tinkex.domain.types import (
    CreateSamplingSessionRequest,
    ModelInput,
    SampleResponse,
    SamplingParams,
)
from tinkex.domain.wire_checks import check_observer
from tinkex.errors import ClosedError, ValidationError
from tinkex.flows.queue_state import QueueStateLogger

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence

    from tinkex.clients.generated.sampling import SamplingClient
    from tinkex.clients.sampling_call import SampleCall
    from tinkex.config import Secret
    from tinkex.domain.types import SampleStreamChunk
    from tinkex.flows.observability import Observability
    from tinkex.ports.client import ClientContext
    from tinkex.ports.clock import Clock
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["SamplingClientCore"]


class SamplingClientCore:
    """Sample from one sampling session (a base model, or saved sampler weights).

    Obtained from `ServiceClient.create_sampling_client`,
    `TrainingClient.save_weights_and_get_sampling_client`, `from_sampler_handle`, or by
    unpickling one.

    Attributes:
        sampling_session_id: The server's sampling session id.
        base_model: The base model sampled from (or underlying the saved weights).
        model_path: The ``tinker://`` sampler weights, when sampling from a checkpoint.
    """

    def __init__(
        self,
        context: ClientContext | LazyRuntime,
        *,
        sampling_session_id: str,
        base_model: str,
        model_path: str | None = None,
        record_stability_info: bool = False,
        observers: Sequence[QueueStateObserver] = (),
        session_id: str | None = None,
    ) -> None:
        # A ClientContext is shared with the ServiceClient; a LazyRuntime (rebuilt clients) is ours.
        self._source = context
        self.sampling_session_id = sampling_session_id
        self.base_model = base_model
        self.model_path = model_path
        self._record_stability_info = record_stability_info
        self._session_id = session_id
        # The original numbers its requests from 0; a clone learns its start on first use.
        self._seq: Iterator[int] | None = None
        if isinstance(context, LazyRuntime):
            self._clock: Clock = system_clock()
            logger = None
        else:
            self._seq, self._clock, logger = itertools.count(), context.clock, context.logger
        self._observers = (
            QueueStateLogger.for_sampling(sampling_session_id, clock=self._clock, logger=logger),
            *observers,
        )

    def __repr__(self) -> str:
        return (
            f"<SamplingClient sampling_session_id={self.sampling_session_id!r} "
            f"base_model={self.base_model!r}>"
        )

    async def _stream(
        self, prompt: ModelInput, params: SamplingParams
    ) -> AsyncIterator[SampleStreamChunk]:
        runtime = await self._get_runtime()
        request = api.sampling.STREAM_SAMPLE_REQUEST(
            prompt=prompt,
            sampling_params=params,
            sampling_session_id=self.sampling_session_id,
            seq_id=self._next_seq(),
        )
        # Imported on first use: streaming is a rarely used Tinkex addition.
        from tinkex.clients.sampling_stream import stream_sample

        async for chunk in stream_sample(runtime, request):
            yield chunk

    def _run(self, call: SampleCall) -> Coroutine[Any, Any, SampleResponse]:
        """The coroutine that runs `call` under the session's retry handler."""
        source = self._source
        if isinstance(source, LazyRuntime):
            return self._run_rebuilt(call)
        # The stack is there: the retry handler's frame is the task's own (one frame fewer
        # alive per sample in a fan-out).
        call.runtime = source
        return source.sampling_retries.for_session(self.sampling_session_id).execute(call.attempt)

    async def _run_rebuilt(self, call: SampleCall) -> SampleResponse:
        call.runtime = await self._get_runtime()
        handler = call.runtime.sampling_retries.for_session(self.sampling_session_id)
        return await handler.execute(call.attempt)

    # -- runtime, handles and pickling -------------------------------------------------------

    def add_queue_state_observer(self, observer: QueueStateObserver) -> None:
        """Tell `observer` the queue states of every sample submitted from now on.

        Raises:
            ValidationError: `observer` has no ``on_queue_state_change`` method.
        """
        self._observers = (*self._observers, check_observer(observer))

    def _observability(self) -> Observability:
        # A rebuilt client has no runtime yet at call time: the global tracer and meter.
        if isinstance(self._source, LazyRuntime):
            return global_observability()
        return self._source.observability

    async def _get_runtime(self) -> ClientContext:
        if not isinstance(self._source, LazyRuntime):
            return self._source
        runtime = await self._source.get()
        if self._seq is None:
            self._seq = itertools.count(await clone_seq_start(runtime, self.sampling_session_id))
        return runtime

    def _next_seq(self) -> int:
        if self._seq is None:  # only a rebuilt client before its stack started
            raise ClosedError("the client stack is not started")
        return next(self._seq)

    def _handle(self) -> SamplerHandle:
        if isinstance(self._source, LazyRuntime):
            return self._source.handle
        return handle_for(
            self._source,
            session_id=self._session_id,
            sampling_session_id=self.sampling_session_id,
            base_model=self.base_model,
            model_path=self.model_path,
            record_stability_info=self._record_stability_info,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # The API key travels with a pickle (unlike a handle), as the official SDK does.
        source = self._source
        api_key = source.api_key if isinstance(source, LazyRuntime) else source.config.api_key
        return (_unpickle, (self._handle().encode(), api_key))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client stack this client started itself (rebuilt clients only).

        Clients made by a ServiceClient share its stack; closing them does nothing.
        """
        if isinstance(self._source, LazyRuntime):
            await self._source.aclose()


def _unpickle(handle: str, api_key: str | Secret | None) -> SamplingClient:
    from tinkex.clients.generated.sampling import SamplingClient

    return SamplingClient.from_sampler_handle(handle, api_key=api_key)


async def create_sampling_client(
    runtime: ClientContext,
    *,
    model_path: str | None = None,
    base_model: str | None = None,
    record_stability_info: bool = False,
) -> SamplingClient:
    """Create a sampling session for a base model or saved sampler weights.

    Raises:
        ValidationError: Neither given, or `model_path` is not a sampler checkpoint.
    """
    if model_path is None and base_model is None:
        raise ValidationError("give model_path or base_model", field="model_path")
    if model_path is not None:
        require_kind(model_path, {"sampler"}, field="model_path")
    session_id = await runtime.session.ensure_session()
    response = await api.sampling.create_session(
        runtime.invoker,
        CreateSamplingSessionRequest(
            session_id=session_id,
            sampling_session_seq_id=runtime.session.next_sampling_session_seq_id(),
            base_model=base_model if model_path is None else None,
            model_path=model_path,
        ),
    )
    resolved_base = base_model
    if resolved_base is None:
        sampler = await api.rest.get_sampler(
            runtime.invoker, sampler_id=response.sampling_session_id
        )
        resolved_base = sampler.base_model
    from tinkex.clients.generated.sampling import SamplingClient

    return SamplingClient(
        runtime,
        sampling_session_id=response.sampling_session_id,
        base_model=resolved_base,
        model_path=model_path,
        record_stability_info=record_stability_info,
        session_id=session_id,
    )
