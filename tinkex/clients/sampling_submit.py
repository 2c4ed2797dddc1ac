"""One sample attempt on the wire: dispatch under backpressure, then poll the result.

The submission runs under the runtime's `SamplingDispatcher` (count and byte limits; a 429 is
not an error but a holder-wide backoff and a resend) inside the outer retry layer, which must
never see that 429: so ``asample`` is sent without the pipeline's own outer retry
and the 429 is turned into "not accepted yet" before `run_outer` could retry it with its 1-30 s
sleeps. The result is polled as protobuf (numpy fields), or as JSON from a JSON-era server.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Protocol, cast

import msgspec

from tinkex import api
from tinkex.domain.types import SampleResponse, SampleResponseJson, UntypedAPIFuture
from tinkex.errors import RateLimitError, TinkexError
from tinkex.flows.features import OUTER_RETRY_FEATURE
from tinkex.flows.outer_retry import run_outer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Coroutine

    from tinkex.clients.futures import FutureTracker
    from tinkex.domain.types import SampleRequest
    from tinkex.ports.client import ClientContext

__all__ = ["RequestSource", "resolve_sample", "submit_sample"]

ASAMPLE_WITHOUT_OUTER_RETRY = msgspec.structs.replace(
    api.sampling.ASAMPLE,
    features=tuple(f for f in api.sampling.ASAMPLE.features if f != OUTER_RETRY_FEATURE),
)


def submit_sample(
    runtime: ClientContext, source: RequestSource, estimate: int
) -> Awaitable[UntypedAPIFuture]:
    """Submit one sample request, riding out 429s; the awaitable gives the accepted future.

    Args:
        runtime: The client stack.
        source: Builds the request when the dispatcher lets it go (and again, identical,
            for each resend after a 429: its seq_id is kept).
        estimate: The prompt's dispatch estimate in bytes.

    Raises:
        APIStatusError: A non-retryable status, or retries ran out.
        APIConnectionError: No answer, after the outer retries.
    """
    # Returned, not awaited: a wrapper coroutine would be one more frame that every I/O
    # wake-up of the submission passes through.
    return runtime.dispatcher.dispatch(estimate, _Submission(runtime, source))


class RequestSource(Protocol):
    """What builds the request of the current attempt (`SampleCall`)."""

    def current_request(self) -> SampleRequest:
        """The request of the attempt in progress."""
        ...


class _Submission:
    """One submission attempt per call (the dispatcher calls it again after a 429).

    A slotted callable rather than partials over closures: thousands are in flight in a
    fan-out, and each captured variable would be one more object for the garbage collector.
    The request itself is built only once the dispatcher lets the submission go, so the
    samples queued behind the dispatcher's limits do not each hold one.
    """

    __slots__ = ("_runtime", "_source")

    def __init__(self, runtime: ClientContext, source: RequestSource) -> None:
        self._runtime = runtime
        self._source = source

    def __call__(self) -> Coroutine[Any, Any, UntypedAPIFuture | None]:
        return _submit(self._runtime, self._source.current_request())


async def _submit(runtime: ClientContext, request: SampleRequest) -> UntypedAPIFuture | None:
    """Send once; only a failure enters the outer retry loop (and the billing pause).

    The usual first attempt runs in this one frame; `run_outer` sees its failure as the
    outcome of its own first attempt (with the same start time), so retries, budget and
    pauses are exactly those of wrapping every attempt in it.
    """
    started = runtime.clock.monotonic()
    try:
        return await runtime.invoker.invoke(
            ASAMPLE_WITHOUT_OUTER_RETRY, request, response_type=UntypedAPIFuture
        )
    except RateLimitError:
        return None  # backpressure: the dispatcher backs off and resends
    except (TinkexError, TimeoutError) as exc:
        first_failure: BaseException = exc
    return await run_outer(
        functools.partial(_submit_once, runtime, request, [first_failure]),
        endpoint=ASAMPLE_WITHOUT_OUTER_RETRY.name,
        clock=runtime.clock,
        outer=runtime.outer_retry,
        billing=runtime.billing,  # a 402 pauses sampling as it pauses every other call
        logger=runtime.logger,
        started=started,
    )


async def _submit_once(
    runtime: ClientContext, request: SampleRequest, replay: list[BaseException] | None
) -> UntypedAPIFuture | None:
    if replay:
        raise replay.pop()  # the first attempt's failure, already sent and answered
    try:
        return await runtime.invoker.invoke(
            ASAMPLE_WITHOUT_OUTER_RETRY, request, response_type=UntypedAPIFuture
        )
    except RateLimitError:
        return None  # backpressure: the dispatcher backs off and resends


def resolve_sample(
    runtime: ClientContext, request_id: str, tracker: FutureTracker
) -> Awaitable[SampleResponse]:
    """Poll a sample future; protobuf into numpy fields, or JSON from a JSON-era server.

    Raises:
        RequestFailedError: The server failed the request.
        DecodeError: The result does not decode.
    """
    legacy = runtime.legacy
    resolved: Awaitable[Any] = runtime.resolver.resolve(
        request_id,
        result_type=SampleResponseJson if legacy else SampleResponse,
        request_type="Sample",
        observer=tracker,
        created_roundtrip_s=tracker.created_roundtrip_s(),
        accept_protobuf=not legacy,
    )
    if legacy:
        return _from_json(resolved)
    # The resolver's own coroutine, not a wrapper: one frame fewer under every poll.
    return cast("Awaitable[SampleResponse]", resolved)


async def _from_json(resolved: Awaitable[SampleResponseJson]) -> SampleResponse:
    return SampleResponse.from_json(await resolved)
