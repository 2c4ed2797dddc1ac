"""Streaming sampling: ``POST stream_sample`` as server-sent events, one chunk per token.

``stream_sample`` is a Tinkex addition (manifest endpoint ``sampling.stream_sample``) that the
hosted Tinker service may not offer; a 404/405 or a non-event-stream answer raises
`UnsupportedByServerError`. Over aiohttp the body is decoded as it arrives. A pool without
streaming support (the in-process embedded backend's transport) is served by
`BufferedStreamingTransport`, which sends the request normally and feeds the whole answer
through the same SSE decoder: the events are identical, they just arrive at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import msgspec

from tinkex import api
from tinkex._compose import json_codec
from tinkex.domain.headers import base_headers, detect_platform, request_headers
from tinkex.domain.urls import build_url
from tinkex.errors import (
    APIStatusError,
    DecodeError,
    RequestFailedError,
    UnsupportedByServerError,
)
from tinkex.flows.streaming import EVENT_STREAM_MEDIA_TYPE, iter_events
from tinkex.ports.pool import StreamingConnectionPool
from tinkex.ports.streaming import StreamingResponse
from tinkex.ports.transport import HttpRequest
from tinkex.version import WIRE_SDK_VERSION as SDK_VERSION

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator

    from tinkex.domain.types import SampleRequest, SampleStreamChunk
    from tinkex.ports.client import ClientContext
    from tinkex.ports.streaming import ServerSentEvent, StreamingTransport
    from tinkex.ports.transport import Transport

__all__ = ["BufferedStreamingTransport", "stream_sample"]

_CODEC = json_codec()
_SPEC = api.sampling.STREAM_SAMPLE
_EVENT = api.sampling.STREAM_SAMPLE_EVENT  # the manifest's response type of the endpoint


class BufferedStreamingTransport:
    """A `StreamingTransport` over a plain `Transport`: the body arrives as one chunk."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def open_stream(self, request: HttpRequest, /) -> StreamingResponse:
        """Send the request, read the whole answer, expose it as a one-chunk stream."""
        response = await self._transport.send(request)

        async def chunks() -> AsyncIterator[bytes]:
            if response.body:
                yield response.body

        return StreamingResponse(status=response.status, headers=response.headers, chunks=chunks())


def streaming_transport(runtime: ClientContext) -> StreamingTransport:
    """The streaming transport of the sample traffic class (buffered when none exists)."""
    pool = runtime.pool
    if isinstance(pool, StreamingConnectionPool):
        return pool.streaming_for(_SPEC.pool)
    return BufferedStreamingTransport(pool.transport_for(_SPEC.pool))


def _http_request(runtime: ClientContext, request: SampleRequest) -> HttpRequest:
    common = [
        *base_headers(SDK_VERSION, platform_info=detect_platform()),
        *runtime.config.default_headers,
        *runtime.auth_headers(),
    ]
    headers = request_headers(
        common,
        accept=EVENT_STREAM_MEDIA_TYPE,
        content_type=_CODEC.media_type,
        timeout_s=_SPEC.timeout_s,
        endpoint_headers=_SPEC.headers,
        # The stream is consumed outside the public method's call, so name it explicitly.
        caller_headers=(("x-sdk-method", "SamplingClient.sample_stream"),),
    )
    return HttpRequest(
        method=_SPEC.method,
        url=build_url(runtime.base_url, _SPEC.path, None, None),
        headers=tuple(headers),
        body=_CODEC.encode(request),
        timeout_s=_SPEC.timeout_s,
        pool=_SPEC.pool,
    )


def _chunk(event: ServerSentEvent) -> SampleStreamChunk | None:
    if not event.data.strip():
        return None
    try:
        payload = _CODEC.decode(event.data.encode(), dict[str, Any])
        chunk = msgspec.convert(payload, _EVENT)
    except (DecodeError, msgspec.ValidationError):
        return None  # a keep-alive or an event of a newer server: not a token
    kind: Literal["token", "done", "error"] | None = chunk.event_type
    if kind is None:
        # Tinkex servers may leave the kind to the event name or imply it from the payload.
        kind = "token"
        if event.event == "done":
            kind = "done"
        if event.event == "error":
            kind = "error"
        if chunk.finish_reason is not None:
            kind = "done"
        if "error" in payload:
            kind = "error"
        chunk = msgspec.structs.replace(chunk, event_type=kind)
    return chunk


async def stream_sample(
    runtime: ClientContext, request: SampleRequest
) -> AsyncIterator[SampleStreamChunk]:
    """Stream one completion's tokens.

    Yields:
        One chunk per token (``event_type="token"``), then one ``"done"`` chunk with the
        finish reason.

    Raises:
        UnsupportedByServerError: The server has no streaming endpoint (404/405, or an answer
            that is not an event stream).
        RequestFailedError: The stream reported an error event.
        APIStatusError: Any other error status.
    """
    transport = streaming_transport(runtime)
    # iter_events is an async generator: closing it closes the connection too.
    events = cast(
        "AsyncGenerator[ServerSentEvent, None]",
        iter_events(transport, _http_request(runtime, request)),
    )
    try:
        async for event in events:
            chunk = _chunk(event)
            if chunk is None:
                continue
            if chunk.event_type == "error":
                raise RequestFailedError(
                    f"stream_sample failed: {event.data}", request_id=event.id or "stream"
                )
            yield chunk
            if chunk.event_type == "done":
                return
    except APIStatusError as exc:
        if exc.status not in (404, 405):
            raise
        raise UnsupportedByServerError(
            f"this server does not stream sampling ({_SPEC.path} answered {exc.status}); "
            "use sample() instead"
        ) from exc
    finally:
        await events.aclose()
