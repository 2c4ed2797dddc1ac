"""Wiring of the future resolver: per-future polling, the batch poller, server-side cancels.

`wire_futures` builds what resolves a runtime's futures from the negotiated server config:

* the retrieve_future poller (`PollingFutureResolver`), within per-call deadlines;
* when the server sets ``sample_use_retrieve_futures`` (and the manifest's ``batch_futures``
  block is on), the retrieve_futures pollers (`SessionFutures`), and the invoker that
  registers every future accepted by an endpoint listing that block with the poller of its
  sampling session and clone;
* when the dynamic config sets ``sample_cancel_enabled``, the queue that cancels abandoned
  samples on the server (`SampleCancels`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from tinkex.domain.types import (
    SampleRequest,
    UntypedAPIFuture,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping

    from structlog.typing import FilteringBoundLogger

    from tinkex.bootstrap.settings import BatchFuturesSettings, FeatureSettings
    from tinkex.flows.batch_polling import SessionFutures
    from tinkex.flows.billing import BillingPause
    from tinkex.flows.deadlines import DeadlineResolver
    from tinkex.flows.sample_cancel import SampleCancels
    from tinkex.ports.clock import Clock
    from tinkex.ports.codec import Codec
    from tinkex.ports.endpoint import EndpointSpec, Invoker, QueryValue
    from tinkex.ports.server_config import ServerTerms
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["ExpectingInvoker", "WiredFutures", "batch_polling", "wire_futures"]

T = TypeVar("T")


def batch_polling(settings: FeatureSettings, terms: ServerTerms) -> BatchFuturesSettings | None:
    """The batch poller's settings when samples resolve through it, else None."""
    if terms.legacy or not terms.config.sample_use_retrieve_futures:
        return None
    return settings.batch_futures


class ExpectingInvoker:
    """The runtime's invoker, registering accepted samples with their session's poller.

    Calls to other endpoints go straight to the inner invoker (no extra frame).

    Args:
        inner: The invoker every client uses.
        futures: The retrieve_futures pollers.
        endpoints: Names of the endpoints whose futures they resolve.
        clone_stride: Request seq_ids of clone ``k`` of a sampler start at ``k * stride``.
    """

    def __init__(
        self, inner: Invoker, futures: SessionFutures, endpoints: frozenset[str], clone_stride: int
    ) -> None:
        self._inner = inner
        self._futures = futures
        self._endpoints = endpoints
        self._stride = clone_stride

    def __repr__(self) -> str:
        return f"<ExpectingInvoker of {self._inner!r}>"

    def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Coroutine[Any, Any, T]:
        """Run the call (see `PipelineInvoker.invoke`); register the future it creates."""
        call = self._inner.invoke(
            endpoint,
            body,
            response_type=response_type,
            path_params=path_params,
            query=query,
            headers=headers,
        )
        if endpoint.name not in self._endpoints or not isinstance(body, SampleRequest):
            return call
        if body.sampling_session_id is None:
            return call  # sampled from a model path: no session to poll
        return self._expect(call, body.sampling_session_id, body.seq_id or 0)

    async def _expect(self, call: Coroutine[Any, Any, T], session_id: str, seq_id: int) -> T:
        accepted = await call
        if isinstance(accepted, UntypedAPIFuture):
            self._futures.expect(accepted.request_id, session_id, seq_id // self._stride)
        return accepted


class WiredFutures:
    """What resolves a runtime's futures, and what must be closed with it.

    Attributes:
        invoker: The invoker clients use (registering batch-polled futures when on).
        resolver: Resolves futures within their deadlines.
        session_futures: The retrieve_futures pollers, when the server offers them.
        cancels: The cancel queue of abandoned samples, when the server enables it.
    """

    def __init__(
        self,
        invoker: Invoker,
        resolver: DeadlineResolver,
        session_futures: SessionFutures | None,
        cancels: SampleCancels | None,
    ) -> None:
        self.invoker = invoker
        self.resolver = resolver
        self.session_futures = session_futures
        self.cancels = cancels

    async def aclose(self) -> None:
        """Stop the pollers (sending their last acks) and the cancel queue."""
        if self.session_futures is not None:
            await self.session_futures.aclose()
        if self.cancels is not None:
            await self.cancels.aclose()


def wire_futures(
    invoker: Invoker,
    pipeline: Invoker,
    *,
    settings: FeatureSettings,
    terms: ServerTerms,
    clock: Clock,
    logger: FilteringBoundLogger,
    billing: BillingPause,
    telemetry: TelemetrySink | None,
    json: Codec,
    protobuf: Codec,
    on_result: Callable[[Any], None] | None = None,
) -> WiredFutures:
    """Build the future resolver (and batch poller and cancel queue) a runtime uses.

    Args:
        invoker: The invoker clients use (it tracks submissions).
        pipeline: The plain pipeline the pollers call through.
        settings: The manifest's feature settings.
        terms: The server's negotiated terms.
        clock: The time source.
        logger: Where the flows log.
        billing: The client's 402 pause.
        telemetry: Receives the future events.
        json: Reads poll answers and JSON results.
        protobuf: Reads protobuf results.
        on_result: Told every decoded result (sampled tokens are counted there).
    """
    from tinkex.api.registry import ENDPOINTS
    from tinkex.flows.bytes_semaphore import BytesSemaphore
    from tinkex.flows.deadlines import DeadlineResolver
    from tinkex.flows.polling import PollingFutureResolver

    server, dynamic, legacy = terms.config, terms.dynamic, terms.legacy
    session_futures: SessionFutures | None = None
    batch = batch_polling(settings, terms)
    if batch is not None:
        from tinkex.domain.ordering import CLONE_SEQ_STRIDE
        from tinkex.flows.batch_polling import SessionFutures

        session_futures = SessionFutures(
            pipeline,
            ENDPOINTS[batch.retrieve_endpoint],
            config=batch.config,
            clock=clock,
            billing=billing,
            logger=logger,
        )
        invoker = ExpectingInvoker(invoker, session_futures, batch.endpoints, CLONE_SEQ_STRIDE)
    cancels: SampleCancels | None = None
    if settings.cancel_endpoint is not None and dynamic.sample_cancel_enabled and not legacy:
        from tinkex.flows.sample_cancel import SampleCancels

        cancels = SampleCancels(
            pipeline,
            ENDPOINTS[settings.cancel_endpoint],
            enabled=True,
            max_batch=dynamic.sample_cancel_max_batch_size,
            logger=logger,
        )
    polling = PollingFutureResolver(
        pipeline,
        ENDPOINTS[settings.retrieve_endpoint],
        json_codec=json,
        protobuf_codec=protobuf,
        on_result=on_result,
        clock=clock,
        config=settings.futures,
        telemetry=telemetry,
        logger=logger,
        inflight_bytes=BytesSemaphore(server.inflight_response_bytes_semaphore_size),
        protobuf_result_types=() if legacy else _result_types(settings.protobuf_results),
        billing=billing,
        session_futures=session_futures,
        cancels=cancels,
    )
    return WiredFutures(invoker, DeadlineResolver(polling), session_futures, cancels)


def _result_types(names: tuple[str, ...]) -> tuple[type[Any], ...]:
    """The wire types the manifest's futures block fetches as protobuf, by name."""
    from tinkex.domain import types

    return tuple(getattr(types, name) for name in names)
