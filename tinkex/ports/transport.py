"""The Transport port: one HTTP exchange, and the request/response values it speaks."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import msgspec

__all__ = ["HttpRequest", "HttpResponse", "PoolKind", "Transport"]


class PoolKind(StrEnum):
    """Traffic classes; each gets its own connection pool and limits."""

    SESSION = "session"
    TRAIN = "train"
    SAMPLE = "sample"
    RETRIEVE = "retrieve"
    TELEMETRY = "telemetry"
    REDIRECT = "redirect"
    AUTH = "auth"


class HttpRequest(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One HTTP request, fully prepared.

    Untracked by the garbage collector (``gc=False``): it holds strings, header tuples and
    bytes only, so it can be in no reference cycle, and thousands wait for a connection
    during a sampling fan-out.

    Attributes:
        method: Upper-case HTTP method.
        url: Absolute URL including any query string.
        headers: Header pairs in send order; names are sent as given.
        body: The encoded body, or None for no body.
        timeout_s: Total time allowed for the exchange, or None for the transport default.
        pool: The traffic class, which selects the connection pool.
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    timeout_s: float | None = None
    pool: PoolKind = PoolKind.SESSION

    def __repr__(self) -> str:
        # Header values can be credentials: a request that is printed or logged shows names only.
        names = ", ".join(name for name, _ in self.headers)
        size = "none" if self.body is None else f"{len(self.body)} bytes"
        return (
            f"HttpRequest(method={self.method!r}, url={self.url!r}, headers=[{names}], "
            f"body={size}, timeout_s={self.timeout_s!r}, pool={self.pool!r})"
        )

    def header(self, name: str) -> str | None:
        """Return the last value of a header (case-insensitive), or None."""
        lowered = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lowered:
                found = value
        return found


class HttpResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One fully read HTTP response.

    Attributes:
        status: The status code.
        headers: Header names lower-cased; a repeated header keeps its last value.
        body: The raw body bytes (already decompressed by the transport).
    """

    status: int
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' if absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Transport(Protocol):
    """Perform one HTTP exchange and return the fully read response.

    Raises tinkex `APIConnectionError` / `APITimeoutError` only when no response arrived;
    4xx/5xx responses are returned, not raised. Never retries (flows do). Cancellation leaves
    the pool reusable.
    """

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Send the request and read the whole response."""
        ...

    async def aclose(self) -> None:
        """Release connections; further sends raise `ClosedError`."""
        ...
