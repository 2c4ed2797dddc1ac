"""`ScriptedTransport`: an in-memory Transport that answers from routes and records everything."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlsplit

from tinkex.adapters.memory import Handler, InMemoryTransport
from tinkex.errors import ConfigError
from tinkex.ports.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from tinkex.ports.transport import Transport

__all__ = ["Answer", "Exchange", "ScriptedTransport", "respond"]

Answer: TypeAlias = HttpResponse | BaseException | Handler
"""What a route gives back: a canned response, an exception to raise (e.g. tinkex
`APIConnectionError` for a dropped connection), or a handler computing the response."""


def respond(
    status: int = 200,
    json_body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> HttpResponse:
    """Build a response: `json_body` encoded as JSON, or raw `body` bytes.

    Args:
        status: The status code.
        json_body: A JSON-serialisable value (``{}`` when neither it nor `body` is given).
        headers: Extra headers (``content-type`` defaults to ``application/json``).
        body: Raw body bytes instead of JSON.
    """
    raw = body if body is not None else json.dumps({} if json_body is None else json_body).encode()
    merged = {"content-type": "application/json"}
    merged.update({name.lower(): value for name, value in (headers or {}).items()})
    return HttpResponse(status=status, headers=merged, body=raw)


@dataclass(frozen=True)
class Exchange:
    """One request the transport saw and how it ended.

    Attributes:
        request: The request as sent.
        response: The response, or None when sending raised.
        error: The exception sending raised, or None.
    """

    request: HttpRequest
    response: HttpResponse | None
    error: BaseException | None

    @property
    def status(self) -> int | None:
        """The response status, or None when no response arrived."""
        return None if self.response is None else self.response.status


class ScriptedTransport(InMemoryTransport):
    """A Transport that answers from a scripted route table and records every exchange.

    Routes match the HTTP method and the whole URL path (a regular expression, query left
    out); the most recently added matching route answers. A request no route answers goes to
    `fallback` (e.g. the embedded backend, so that routes override just what a test needs),
    or gets a 404 when there is none. Header names of responses come back lower-cased.

    ```python
    transport = ScriptedTransport()
    transport.reply("GET", "/api/v1/healthz", respond(200, {"status": "ok"}))
    transport.script("POST", "/api/v1/forward_backward", respond(503), respond(503))
    ```

    Args:
        fallback: Where requests no route answers go (closed with this transport).

    Attributes:
        exchanges: Every request, with its response or error, in send order.
        sent: Every request, in send order.
    """

    def __init__(self, *, fallback: Transport | None = None) -> None:
        super().__init__(fallback=fallback)
        self.exchanges: list[Exchange] = []

    def reply(self, method: str, path: str, answer: Answer, *, times: int | None = None) -> None:
        """Answer every matching request (or the next `times`) with `answer`.

        Args:
            method: The HTTP method to match.
            path: A regular expression the whole URL path must match.
            answer: A response, an exception to raise, or a handler.
            times: Answer only this many requests, then let later ones fall through.
        """
        self.route(method, path, _handler(answer), times=times)

    def script(self, method: str, path: str, *answers: Answer) -> None:
        """Answer the next matching requests with `answers`, one each, in order.

        Once the answers are used up, matching requests fall through to earlier routes or to
        the fallback: ``script("POST", p, respond(503))`` fails one request and lets the
        retry reach the server.

        Raises:
            ConfigError: No answers were given.
        """
        if not answers:
            raise ConfigError("script() needs at least one answer")
        remaining = [_handler(answer) for answer in answers]

        def next_answer(request: HttpRequest) -> Awaitable[HttpResponse] | HttpResponse:
            return remaining.pop(0)(request)

        self.route(method, path, next_answer, times=len(answers))

    def requests_to(self, method: str, path: str) -> list[HttpRequest]:
        """The requests sent so far whose method and whole path match, in order."""
        pattern = re.compile(path + r"\Z")
        return [
            request
            for request in self.sent
            if request.method == method.upper() and pattern.match(urlsplit(request.url).path)
        ]

    def statuses(self) -> list[int | None]:
        """The status of every exchange (None where no response arrived), in order."""
        return [exchange.status for exchange in self.exchanges]

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Answer from the routes (or the fallback) and record the exchange."""
        try:
            response = await super().send(request)
        except Exception as exc:
            self.exchanges.append(Exchange(request, None, exc))
            raise
        self.exchanges.append(Exchange(request, response, None))
        return response


def _handler(answer: Answer) -> Handler:
    if isinstance(answer, HttpResponse):
        response = answer
        return lambda request: response
    if isinstance(answer, BaseException):
        error = answer

        def fail(request: HttpRequest) -> HttpResponse:
            raise copy.copy(error)  # a fresh instance: tracebacks do not pile up on one object

        return fail
    if callable(answer):
        return answer
    raise ConfigError(
        f"an answer must be an HttpResponse, an exception or a handler, got {type(answer).__name__}"
    )
