# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Endpoints of the ``sampling`` resource: specs and one function per endpoint."""

from collections.abc import Mapping

from tinkex.domain.types.futures import UntypedAPIFuture
from tinkex.domain.types.sampling import (
    CreateSamplingSessionRequest,
    CreateSamplingSessionResponse,
    JoinSamplingSessionRequest,
    JoinSamplingSessionResponse,
    SampleRequest,
    SampleStreamChunk,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import PoolKind

__all__ = [
    "ASAMPLE",
    "CREATE_SESSION",
    "JOIN_SESSION",
    "STREAM_SAMPLE",
    "STREAM_SAMPLE_EVENT",
    "STREAM_SAMPLE_REQUEST",
    "asample",
    "create_session",
    "join_session",
]

CREATE_SESSION = EndpointSpec(
    name="sampling.create_session",
    method="POST",
    path="/api/v1/create_sampling_session",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

JOIN_SESSION = EndpointSpec(
    name="sampling.join_session",
    method="POST",
    path="/api/v1/join_sampling_session",
    request_codec="json",
    accept="json",
    pool=PoolKind.SESSION,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_standard", "retry_outer"),
    headers=(),
)

ASAMPLE = EndpointSpec(
    name="sampling.asample",
    method="POST",
    path="/api/v1/asample",
    request_codec="json",
    accept="json",
    pool=PoolKind.SAMPLE,
    max_retries=0,
    timeout_s=60.0,
    features=("retry_outer", "retry_sampling", "sampling_backpressure", "futures", "batch_futures"),
    headers=(("X-Tinker-Sampling-Backpressure", "1"),),
    future_result="SampleResponse",
    request_type="Sample",
)

STREAM_SAMPLE = EndpointSpec(
    name="sampling.stream_sample",
    method="POST",
    path="/api/v1/stream_sample",
    request_codec="json",
    accept="json",
    pool=PoolKind.SAMPLE,
    max_retries=0,
    timeout_s=60.0,
    features=(),
    headers=(),
    streaming=True,
)
"""Stream sampled tokens as server-sent events (Tinkex addition; may be unsupported)."""


async def create_session(
    invoker: Invoker,
    request: CreateSamplingSessionRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> CreateSamplingSessionResponse:
    """Create a sampling session for a base model or a tinker:// sampler path.

    ``POST /api/v1/create_sampling_session``
    """
    return await invoker.invoke(
        CREATE_SESSION,
        request,
        response_type=CreateSamplingSessionResponse,
        headers=headers,
    )


async def join_session(
    invoker: Invoker,
    request: JoinSamplingSessionRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> JoinSamplingSessionResponse:
    """Ask for a clone id for an unpickled sampling client.

    ``POST /api/v1/join_sampling_session``
    """
    return await invoker.invoke(
        JOIN_SESSION,
        request,
        response_type=JoinSamplingSessionResponse,
        headers=headers,
    )


async def asample(
    invoker: Invoker,
    request: SampleRequest,
    /,
    *,
    headers: Mapping[str, str] | None = None,
) -> UntypedAPIFuture:
    """Submit a sampling request; 429 means back off and resend (same seq_id).

    Answers with a future that resolves to ``SampleResponse`` (``X-Tinker-Request-Type: Sample``).

    ``POST /api/v1/asample``
    """
    return await invoker.invoke(
        ASAMPLE,
        request,
        response_type=UntypedAPIFuture,
        headers=headers,
    )


STREAM_SAMPLE_REQUEST = SampleRequest
"""The body of ``sampling.stream_sample`` (its streaming client builds one)."""

STREAM_SAMPLE_EVENT = SampleStreamChunk
"""What each event of ``sampling.stream_sample`` decodes into."""
