"""Offset pagination bounds, trace-export polling and the legacy archive redirect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar, cast

import pytest

from tinkex.adapters.clock import FakeClock
from tinkex.clients.pagination import Page, iter_offset_pages
from tinkex.clients.rest import RestClient
from tinkex.domain.types import TraceExportResponse
from tinkex.errors import (
    FutureTimeoutError,
    InternalServerError,
    UnsupportedByServerError,
    ValidationError,
)
from tinkex.ports.transport import HttpResponse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.ports.endpoint import EndpointSpec, QueryValue

T = TypeVar("T")


class ScriptedInvoker:
    """An Invoker that answers each call with the next scripted reply (or raises it)."""

    def __init__(self, replies: list[object]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, Mapping[str, str] | None]] = []

    async def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        self.calls.append((endpoint.name, path_params))
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return cast("T", reply)


async def test_pages_stop_at_the_reported_total() -> None:
    """Iteration ends once the offset reaches total_count, without an extra request."""
    asked: list[tuple[int, int]] = []

    async def fetch(limit: int, offset: int) -> Page[int]:
        asked.append((limit, offset))
        return Page(items=list(range(offset, min(offset + limit, 7))), total_count=7)

    assert [i async for i in iter_offset_pages(fetch, page_size=3)] == list(range(7))
    assert asked == [(3, 0), (3, 3), (3, 6)]


async def test_pages_are_bounded_when_the_server_never_ends() -> None:
    """A server that always returns a full page and a growing total stops at max_pages."""
    calls = 0

    async def fetch(limit: int, offset: int) -> Page[int]:
        nonlocal calls
        calls += 1
        return Page(items=[0] * limit, total_count=offset + limit + 1)

    items = [i async for i in iter_offset_pages(fetch, page_size=2, max_pages=4)]
    assert (len(items), calls) == (8, 4)


async def test_pages_without_a_total_end_at_a_short_page() -> None:
    """When the server reports no count, a short page ends the walk."""

    async def fetch(limit: int, offset: int) -> Page[str]:
        return Page(items=["x"] * (limit if offset < 4 else 1))

    assert len([s async for s in iter_offset_pages(fetch, page_size=2)]) == 5


async def test_bad_page_size_is_rejected() -> None:
    """A zero page size raises ValidationError on the first iteration."""

    async def fetch(limit: int, offset: int) -> Page[int]:
        raise AssertionError("must not be called")

    with pytest.raises(ValidationError) as caught:
        _ = [i async for i in iter_offset_pages(fetch, page_size=0)]
    assert caught.value.field == "page_size"


async def test_trace_export_polls_every_five_seconds_until_ready() -> None:
    """Pending answers are polled on the clock every 5 s; the ready URL is returned."""
    pending = TraceExportResponse(status="pending")
    ready = TraceExportResponse(status="ready", url="https://trace/x.pftrace")
    invoker = ScriptedInvoker([pending, pending, ready])
    clock = FakeClock()
    url = await RestClient(invoker, clock=clock).export_session_trace("sess-1")
    assert url == "https://trace/x.pftrace"
    assert clock.sleeps == [5.0, 5.0]


async def test_trace_export_gives_up_after_its_timeout() -> None:
    """An export that stays pending raises FutureTimeoutError after timeout_s."""
    invoker = ScriptedInvoker([TraceExportResponse(status="pending")] * 10)
    clock = FakeClock()
    with pytest.raises(FutureTimeoutError):
        await RestClient(invoker, clock=clock).export_session_trace("sess-1", timeout_s=12.0)
    assert clock.sleeps == [5.0, 5.0]


async def test_archive_url_is_read_from_the_redirect_headers() -> None:
    """Location and Expires of the 302 become the archive URL and its expiry."""
    redirect = HttpResponse(
        status=302,
        headers={"location": "https://s3/a.tar", "expires": "Sun, 22 Nov 2026 01:00:00 GMT"},
    )
    invoker = ScriptedInvoker([redirect])
    found = await RestClient(invoker).get_checkpoint_archive_url_from_tinker_path(
        "tinker://run-1:train:0/weights/final"
    )
    assert found.url == "https://s3/a.tar"
    assert found.expires == datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    assert invoker.calls == [
        (
            "rest.get_checkpoint_archive_url",
            {"run_id": "run-1:train:0", "checkpoint_id": "weights/final"},
        )
    ]


async def test_archive_url_waits_while_the_archive_is_generated() -> None:
    """503 answers are retried 30 s apart; a missing Expires defaults to 15 minutes."""
    busy = InternalServerError("still generating", status=503)
    invoker = ScriptedInvoker([busy, busy, HttpResponse(status=302, headers={"location": "u"})])
    clock = FakeClock()
    found = await RestClient(invoker, clock=clock).get_checkpoint_archive_url("run-1", "weights/a")
    assert clock.sleeps == [30.0, 30.0]
    assert found.expires == datetime.fromtimestamp(clock.time() + 900, UTC)


async def test_archive_url_gives_up_after_six_busy_answers() -> None:
    """Six 503 answers in a row raise the last one."""
    invoker = ScriptedInvoker([InternalServerError("busy", status=503) for _ in range(6)])
    with pytest.raises(InternalServerError):
        await RestClient(invoker, clock=FakeClock()).get_checkpoint_archive_url("r", "weights/a")
    assert len(invoker.calls) == 6


async def test_archive_redirect_without_headers_is_reported_as_unsupported() -> None:
    """A pipeline that raises the 302 as a status error yields a clear unsupported error."""
    from tinkex.errors import APIStatusError

    invoker = ScriptedInvoker([APIStatusError("Error code: 302", status=302)])
    with pytest.raises(UnsupportedByServerError, match="redirect"):
        await RestClient(invoker).get_checkpoint_archive_url("r", "weights/a")


async def test_followed_archive_redirect_is_reported_as_unsupported() -> None:
    """A pipeline that followed the redirect (a 200 tar body) yields a clear error."""
    followed = HttpResponse(status=200, headers={"content-type": "application/x-tar"}, body=b"x")
    with pytest.raises(UnsupportedByServerError, match="followed"):
        await RestClient(ScriptedInvoker([followed])).get_checkpoint_archive_url("r", "weights/a")
