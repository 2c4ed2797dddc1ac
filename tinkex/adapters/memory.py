"""In-memory transport: a working Transport with a route table and a log of what was sent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import msgspec

from tinkex.errors import APITimeoutError, ClosedError
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind

__all__ = ["Handler", "InMemoryPool", "InMemoryTransport", "json_response"]

Handler = Callable[[HttpRequest], Awaitable[HttpResponse] | HttpResponse]


def json_response(
    body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Build a JSON response from already-encoded JSON text."""
    raw = body.encode() if isinstance(body, str) else body
    merged = {"content-type": "application/json", **(headers or {})}
    return HttpResponse(status=status, headers=merged, body=raw)


class InMemoryTransport:
    """Answer requests from a route table, recording every request in `sent`.

    Routes match on method and path (a regular expression, anchored, without the query).
    A route's handler may return a response or raise a tinkex `APIConnectionError` to
    simulate a network fault. An unmatched request gets a 404 JSON response.

    Like a real transport, response header names come back lower-cased, and an async handler
    that outlives the request's `timeout_s` (in loop time) ends in `APITimeoutError`.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.sent: list[HttpRequest] = []
        self.closed = False

    def route(self, method: str, path_pattern: str, handler: Handler) -> None:
        """Register a handler; later registrations win over earlier ones."""
        self._routes.insert(0, (method.upper(), re.compile(path_pattern + r"\Z"), handler))

    def paths(self) -> list[str]:
        """The paths of every request sent so far, in order."""
        return [urlsplit(r.url).path for r in self.sent]

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Record the request and answer it from the route table."""
        if self.closed:
            raise ClosedError("transport is closed")
        self.sent.append(request)
        path = urlsplit(request.url).path
        for method, pattern, handler in self._routes:
            if method == request.method and pattern.match(path):
                result = handler(request)
                if not isinstance(result, HttpResponse):
                    result = await _within_timeout(result, request)
                return _lower_header_names(result)
        return json_response(b'{"detail":"Not Found"}', status=404)

    async def aclose(self) -> None:
        """Mark the transport closed."""
        self.closed = True


async def _within_timeout(pending: Awaitable[HttpResponse], request: HttpRequest) -> HttpResponse:
    if request.timeout_s is None:
        return await pending
    deadline = asyncio.timeout(request.timeout_s)
    try:
        async with deadline:
            return await pending
    except TimeoutError as exc:
        if not deadline.expired():
            raise  # the handler raised a timeout of its own (e.g. APITimeoutError)
        path = urlsplit(request.url).path
        raise APITimeoutError(
            f"{request.method} {path}: request timed out after {request.timeout_s:g}s",
            method=request.method,
            url_path=path,
        ) from exc


def _lower_header_names(response: HttpResponse) -> HttpResponse:
    headers = response.headers
    if all(name.islower() for name in headers):
        return response
    lowered = {name.lower(): value for name, value in headers.items()}
    return msgspec.structs.replace(response, headers=lowered)


class InMemoryPool:
    """A ConnectionPool that hands the same in-memory transport to every traffic class."""

    def __init__(self, transport: InMemoryTransport) -> None:
        self.transport = transport

    def transport_for(self, kind: PoolKind, /) -> InMemoryTransport:
        """Return the shared transport."""
        return self.transport

    async def aclose(self) -> None:
        """Close the shared transport."""
        await self.transport.aclose()
