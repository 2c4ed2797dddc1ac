"""The SSE decoder rules and the streaming iterator over a StreamingTransport."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinkex.errors import RateLimitError, UnsupportedByServerError
from tinkex.flows.sse import SSEDecoder
from tinkex.flows.streaming import iter_events
from tinkex.ports.streaming import ServerSentEvent, StreamingResponse
from tinkex.ports.transport import HttpRequest

STREAM = (
    "\ufeff: a comment\r\n"
    "event: token\r\n"
    "data: héllo 🌍\r\n"
    "id: 7\r\n"
    "\r\n"
    "data: line one\n"
    "data:line two\n"
    "data\n"
    "retry: 2500\n"
    "\n"
    "event: only-type\r"
    "\r"
    "id: bad\0id\r"
    "data:  two spaces\r"
    "\r"
    "data: unterminated"
).encode()

EXPECTED = [
    ServerSentEvent(event="token", data="héllo 🌍", id="7"),
    ServerSentEvent(event="message", data="line one\nline two\n", id="7", retry_ms=2500),
    ServerSentEvent(event="message", data=" two spaces", id="7", retry_ms=2500),
]


def decode_all(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.finish()


def test_decodes_every_rule_in_one_stream() -> None:
    """BOM, comments, event/data/id/retry, bare fields, CR/LF/CRLF and the unterminated tail."""
    assert decode_all([STREAM]) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_any_split_of_the_stream_yields_the_same_events(cuts: list[int]) -> None:
    """Splitting the bytes anywhere (mid-UTF-8, between CR and LF) changes nothing."""
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert decode_all(chunks) == EXPECTED


def test_byte_at_a_time_feeding() -> None:
    """Feeding one byte at a time yields the same events."""
    assert decode_all([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_cr_then_lf_in_the_next_chunk_is_one_line_end() -> None:
    """A CR ending a chunk and an LF starting the next make one line break, not two."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []
    assert decoder.feed(b"\n\r\n") == [ServerSentEvent(data="a\nb")]


def test_event_without_data_is_not_dispatched_and_type_resets() -> None:
    """A block with only an event name dispatches nothing and does not leak its name."""
    assert decode_all([b"event: ping\n\ndata: x\n\n"]) == [ServerSentEvent(data="x")]


def test_empty_data_line_dispatches_an_empty_event() -> None:
    """A present-but-empty data field still makes an event (WHATWG)."""
    assert decode_all([b"data:\n\n"]) == [ServerSentEvent(data="")]


def test_retry_must_be_all_digits() -> None:
    """Non-numeric retry values are ignored."""
    decoder = SSEDecoder()
    decoder.feed(b"retry: 12a\nretry: -5\nretry: 300\nretry: x\ndata: d\n\n")
    assert decoder.retry_ms == 300


def test_id_with_nul_is_ignored_and_empty_id_resets() -> None:
    """An id containing NUL is ignored; an empty id clears the last id."""
    events = decode_all([b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\nid\ndata: c\n\n"])
    assert [e.id for e in events] == ["1", "1", None]


def test_only_one_leading_space_is_stripped_and_field_names_are_exact() -> None:
    """``data:  x`` keeps one space; unknown fields such as ``Data`` are ignored."""
    assert decode_all([b"Data: ignored\ndata:  x\n\n"]) == [ServerSentEvent(data=" x")]


def test_unterminated_event_is_discarded_at_end_of_stream() -> None:
    """An event never closed by a blank line is not dispatched."""
    assert decode_all([b"data: a\n"]) == []


def test_invalid_utf8_is_replaced_not_raised() -> None:
    """Broken UTF-8 becomes U+FFFD."""
    assert decode_all([b"data: \xff\n\n"]) == [ServerSentEvent(data="\ufffd")]


class FakeBody:
    """An async chunk iterator that records being closed (releasing the connection)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = list(chunks)
        self.closed = False

    def __aiter__(self) -> FakeBody:
        return self

    async def __anext__(self) -> bytes:
        if not self._chunks:
            raise StopAsyncIteration
        return self._chunks.pop(0)

    async def aclose(self) -> None:
        self.closed = True


class FakeStreamingTransport:
    """A StreamingTransport that returns a canned response."""

    def __init__(self, status: int, headers: dict[str, str], chunks: list[bytes]) -> None:
        self.status = status
        self.headers = headers
        self.body = FakeBody(chunks)
        self.requests: list[HttpRequest] = []

    @property
    def closed(self) -> bool:
        return self.body.closed

    async def open_stream(self, request: HttpRequest, /) -> StreamingResponse:
        self.requests.append(request)
        return StreamingResponse(status=self.status, headers=self.headers, chunks=self.body)


REQUEST = HttpRequest(method="POST", url="http://127.0.0.1/api/v1/sample_stream")


async def test_iter_events_yields_decoded_events_and_closes_the_body() -> None:
    """A 200 event stream is decoded chunk by chunk and its body closed afterwards."""
    transport = FakeStreamingTransport(
        200, {"Content-Type": "text/event-stream; charset=utf-8"}, [STREAM[:10], STREAM[10:]]
    )
    events = [event async for event in iter_events(transport, REQUEST)]
    assert events == EXPECTED
    assert transport.closed


async def test_iter_events_raises_status_error_for_non_2xx() -> None:
    """A 429 raises RateLimitError carrying the status and body."""
    transport = FakeStreamingTransport(
        429, {"content-type": "application/json"}, [b'{"detail":', b'"slow down"}']
    )
    with pytest.raises(RateLimitError) as info:
        _ = [event async for event in iter_events(transport, REQUEST)]
    assert info.value.status == 429
    assert info.value.body == '{"detail":"slow down"}'
    assert transport.closed


async def test_iter_events_rejects_non_event_stream_responses() -> None:
    """A 2xx JSON answer means the server does not stream this endpoint."""
    transport = FakeStreamingTransport(200, {"content-type": "application/json"}, [b"{}"])
    with pytest.raises(UnsupportedByServerError):
        _ = [event async for event in iter_events(transport, REQUEST)]
    assert transport.closed
