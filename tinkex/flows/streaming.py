"""Server-sent events over a `StreamingTransport`: status checks, then incremental decoding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.errors import UnsupportedByServerError, status_error_for
from tinkex.flows.sse import SSEDecoder

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from tinkex.ports.streaming import ServerSentEvent, StreamingResponse, StreamingTransport
    from tinkex.ports.transport import HttpRequest

__all__ = ["EVENT_STREAM_MEDIA_TYPE", "iter_events"]

EVENT_STREAM_MEDIA_TYPE = "text/event-stream"
_MAX_ERROR_BODY = 64 * 1024


async def iter_events(
    transport: StreamingTransport,
    request: HttpRequest,
    *,
    decode_error_body: Callable[[bytes], object] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """Open `request` as a stream and yield its events as they complete.

    Args:
        transport: Opens the exchange.
        request: The prepared request (``Accept: text/event-stream`` is the caller's job).
        decode_error_body: Turns an error body into the status error's ``body`` (e.g. parsed
            JSON); by default the body text.

    Yields:
        Each server-sent event, in order.

    Raises:
        APIStatusError: The server answered with a non-2xx status (the matching subclass).
        UnsupportedByServerError: The answer was 2xx but not an event stream.
    """
    response = await transport.open_stream(request)
    try:
        if not 200 <= response.status < 300:
            raise await _status_error(response, decode_error_body)
        media_type = _header(response, "content-type").split(";", 1)[0].strip().lower()
        if media_type != EVENT_STREAM_MEDIA_TYPE:
            raise UnsupportedByServerError(
                f"expected an event stream, got {media_type or 'no content type'} "
                f"(the server does not stream this endpoint)"
            )
        decoder = SSEDecoder()
        async for chunk in response.chunks:
            for event in decoder.feed(chunk):
                yield event
        for event in decoder.finish():
            yield event
    finally:
        await _close_chunks(response)


def _header(response: StreamingResponse, name: str) -> str:
    for key, value in response.headers.items():
        if key.lower() == name:
            return value
    return ""


async def _status_error(
    response: StreamingResponse, decode: Callable[[bytes], object] | None
) -> Exception:
    body = bytearray()
    async for chunk in response.chunks:
        body += chunk
        if len(body) >= _MAX_ERROR_BODY:
            break
    raw = bytes(body[:_MAX_ERROR_BODY])
    try:
        parsed = decode(raw) if decode is not None else raw.decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - an undecodable error body is still worth reporting
        parsed = raw.decode("utf-8", "replace")
    error_type = status_error_for(response.status)
    return error_type(
        f"Error code: {response.status} - {parsed!r}",
        status=response.status,
        body=parsed,
        request_id=_header(response, "x-request-id") or None,
    )


async def _close_chunks(response: StreamingResponse) -> None:
    aclose = getattr(response.chunks, "aclose", None)
    if aclose is not None:
        await aclose()
