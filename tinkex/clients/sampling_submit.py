"""One sample attempt on the wire: dispatch under backpressure, then poll the result.

The submission runs under the runtime's `SamplingDispatcher` (count and byte limits; a 429 is
not an error but a holder-wide backoff and a resend) inside the outer retry layer, which must
never see that 429: so ``asample`` is sent without the pipeline's own outer retry
and the 429 is turned into "not accepted yet" before `run_outer` could retry it with its 1-30 s
sleeps. The result is polled as protobuf (numpy fields), or as JSON from a JSON-era server.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import msgspec

from tinkex import api
from tinkex.domain.types import SampleResponse, SampleResponseJson, UntypedAPIFuture
from tinkex.errors import RateLimitError
from tinkex.flows.features import OUTER_RETRY_FEATURE
from tinkex.flows.outer_retry import run_outer

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from tinkex.clients.futures import FutureTracker
    from tinkex.domain.types import SampleRequest
    from tinkex.ports.client import ClientContext

__all__ = ["resolve_sample", "submit_sample"]

ASAMPLE_WITHOUT_OUTER_RETRY = msgspec.structs.replace(
    api.sampling.ASAMPLE,
    features=tuple(f for f in api.sampling.ASAMPLE.features if f != OUTER_RETRY_FEATURE),
)


def submit_sample(
    runtime: ClientContext, request: SampleRequest, estimate: int
) -> Awaitable[UntypedAPIFuture]:
    """Submit one sample request, riding out 429s; the awaitable gives the accepted future.

    Args:
        runtime: The client stack.
        request: The request (its seq_id is kept across 429 resends).
        estimate: The prompt's dispatch estimate in bytes.

    Raises:
        APIStatusError: A non-retryable status, or retries ran out.
        APIConnectionError: No answer, after the outer retries.
    """
    # Returned, not awaited, and bound with partials rather than closures: each wrapper
    # coroutine would be one more frame that every I/O wake-up passes through, and each
    # captured variable one more cell for the garbage collector to scan while it waits.
    send = functools.partial(
        run_outer,
        functools.partial(_submit_once, runtime, request),
        endpoint=ASAMPLE_WITHOUT_OUTER_RETRY.name,
        clock=runtime.clock,
        outer=runtime.outer_retry,
        billing=runtime.billing,  # a 402 pauses sampling as it pauses every other call
        logger=runtime.logger,
    )
    return runtime.dispatcher.dispatch(estimate, send)


async def _submit_once(runtime: ClientContext, request: SampleRequest) -> UntypedAPIFuture | None:
    try:
        return await runtime.invoker.invoke(
            ASAMPLE_WITHOUT_OUTER_RETRY, request, response_type=UntypedAPIFuture
        )
    except RateLimitError:
        return None  # backpressure: the dispatcher backs off and resends


async def resolve_sample(
    runtime: ClientContext, request_id: str, tracker: FutureTracker
) -> SampleResponse:
    """Poll a sample future; protobuf into numpy fields, or JSON from a JSON-era server.

    Raises:
        RequestFailedError: The server failed the request.
        DecodeError: The result does not decode.
    """
    result_type: type[Any] = SampleResponseJson if runtime.legacy else SampleResponse
    result = await runtime.resolver.resolve(
        request_id,
        result_type=result_type,
        request_type="Sample",
        observer=tracker,
        created_roundtrip_s=tracker.created_roundtrip_s(),
        accept_protobuf=not runtime.legacy,
    )
    if isinstance(result, SampleResponseJson):
        return SampleResponse.from_json(result)
    response: SampleResponse = result
    return response
