"""In-memory transport: a working Transport with a route table and a log of what was sent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import msgspec

from tinkex.errors import APITimeoutError, ClosedError, ConfigError
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind, Transport

__all__ = ["Handler", "InMemoryPool", "InMemoryTransport", "json_response"]

Handler = Callable[[HttpRequest], Awaitable[HttpResponse] | HttpResponse]


def json_response(
    body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Build a JSON response from already-encoded JSON text."""
    raw = body.encode() if isinstance(body, str) else body
    merged = {"content-type": "application/json", **(headers or {})}
    return HttpResponse(status=status, headers=merged, body=raw)


class _Route:
    """One entry of the route table; `remaining` None means it never runs out."""

    __slots__ = ("handler", "method", "pattern", "remaining")

    def __init__(self, method: str, pattern: str, handler: Handler, times: int | None) -> None:
        self.method = method.upper()
        self.pattern = re.compile(pattern + r"\Z")
        self.handler = handler
        self.remaining = times

    def take(self, request: HttpRequest, path: str) -> bool:
        """Claim the request if this route matches it and is not spent."""
        if self.remaining == 0 or self.method != request.method or not self.pattern.match(path):
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


class InMemoryTransport:
    """Answer requests from a route table, recording every request in `sent`.

    Routes match on method and path (a regular expression, anchored, without the query).
    A route's handler may return a response or raise a tinkex `APIConnectionError` to
    simulate a network fault. A route registered with `times` answers that many requests and
    then stops matching. An unmatched request goes to `fallback` (another transport, e.g. the
    embedded backend) when there is one, else gets a 404 JSON response.

    Like a real transport, response header names come back lower-cased, and an async handler
    that outlives the request's `timeout_s` (in loop time) ends in `APITimeoutError`.

    Attributes:
        sent: Every request sent, in order (routed or passed on).
        fallback: Where unmatched requests go (None: answer 404); closed with this transport.
        closed: True once `aclose` was called.
    """

    def __init__(self, *, fallback: Transport | None = None) -> None:
        self._routes: list[_Route] = []
        self.sent: list[HttpRequest] = []
        self.fallback = fallback
        self.closed = False

    def route(
        self, method: str, path_pattern: str, handler: Handler, *, times: int | None = None
    ) -> None:
        """Register a handler; later registrations win over earlier ones.

        Args:
            method: The HTTP method it answers.
            path_pattern: A regular expression the whole URL path must match.
            handler: Returns (or resolves to) the response, or raises a transport error.
            times: Answer only this many requests, then let later ones fall through.
        """
        if times is not None and times < 1:
            raise ConfigError(f"times must be at least 1, got {times}")
        self._routes.insert(0, _Route(method, path_pattern, handler, times))

    def paths(self) -> list[str]:
        """The paths of every request sent so far, in order."""
        return [urlsplit(r.url).path for r in self.sent]

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Record the request and answer it from the route table."""
        if self.closed:
            raise ClosedError("transport is closed")
        self.sent.append(request)
        path = urlsplit(request.url).path
        for route in self._routes:
            if route.take(request, path):
                result = route.handler(request)
                if not isinstance(result, HttpResponse):
                    result = await _within_timeout(result, request)
                return _lower_header_names(result)
        if self.fallback is not None:
            return await self.fallback.send(request)
        return json_response(b'{"detail":"Not Found"}', status=404)

    async def aclose(self) -> None:
        """Mark the transport closed (and close the fallback)."""
        if self.closed:
            return
        self.closed = True
        if self.fallback is not None:
            await self.fallback.aclose()


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
