"""AiohttpConnectionPool: one `AiohttpTransport` per traffic class, each with its own limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tinkex.adapters.aiohttp_transport import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_TIMEOUT_S,
    AiohttpTransport,
)
from tinkex.adapters.credential_scope import CredentialScope
from tinkex.errors import ClosedError
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind

if TYPE_CHECKING:
    from tinkex.adapters.aiohttp_streaming import AiohttpStreamingTransport

__all__ = ["AiohttpConnectionPool", "PoolLimits"]


class PoolLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Connection limits per traffic class.

    The official SDK caps concurrent requests per pooled client (1 for training, 50 for the
    rest) and lets httpx open up to 1000 connections. aiohttp runs one request per connection
    at a time, so a connector limit per class bounds parallel requests; requests beyond it
    queue for a free connection. The sample and retrieve limits are 100: a wide fan-out
    (thousands of samples at once) then reuses its keep-alive connections instead of opening
    one socket per in-flight request, which costs the client (and the server) more CPU than
    the queueing saves; 200 retrieve connections measured no faster and loaded the server
    more. Raise them (`AiohttpConnectionPool(PoolLimits(...))`) for many slow long-polls.

    Attributes:
        session: Session creation, heartbeats, model and weights calls.
        train: forward / forward_backward / optim_step submissions.
        sample: Sampling requests (the wide fan-out).
        retrieve: Future polling (long-polls, one per outstanding request).
        telemetry: Telemetry batches.
        redirect: Endpoints answering with redirects to signed URLs (followed).
        auth: The JWT exchange (one at a time, as the official SDK's dedicated pool).
    """

    session: int = 50
    train: int = 100
    sample: int = 100
    retrieve: int = 100
    telemetry: int = 10
    redirect: int = 10
    auth: int = 1

    def for_kind(self, kind: PoolKind) -> int:
        """Return the connection limit of a traffic class."""
        limit: int = getattr(self, kind.value)
        return limit


class AiohttpConnectionPool:
    """A `ConnectionPool` of aiohttp transports, created on first use, closed in reverse.

    Also a `Transport` itself: `send` routes a request by its `pool` field, so callers that
    tag requests need not look transports up.

    Args:
        limits: Connection limits per traffic class.
        timeout_s: Default total timeout for requests without their own.
        connect_timeout_s: Cap on establishing a connection.
        trust_env: Honour proxy environment variables (see `AiohttpTransport`).
        credential_origin: The configured service URL: every transport sends credential
            headers to its origin only, and follows redirects elsewhere without them.
    """

    def __init__(
        self,
        limits: PoolLimits | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        trust_env: bool = False,
        credential_origin: str | None = None,
    ) -> None:
        self.limits = limits if limits is not None else PoolLimits()
        CredentialScope(credential_origin)  # a bad origin fails here, not on first use
        self._credential_origin = credential_origin
        self._timeout_s = timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._trust_env = trust_env
        self._transports: dict[PoolKind, AiohttpTransport] = {}
        self._streaming: dict[PoolKind, AiohttpStreamingTransport] = {}
        self.closed = False

    def transport_for(self, kind: PoolKind, /) -> AiohttpTransport:
        """Return the shared transport serving `kind`, creating it on first use.

        Raises:
            ClosedError: The pool was closed.
        """
        transport = self._transports.get(kind)
        if transport is None:
            if self.closed:
                raise ClosedError("connection pool is closed")
            transport = self._transports[kind] = AiohttpTransport(
                limit=self.limits.for_kind(kind),
                timeout_s=self._timeout_s,
                connect_timeout_s=self._connect_timeout_s,
                follow_redirects=kind is PoolKind.REDIRECT,
                trust_env=self._trust_env,
                credential_origin=self._credential_origin,
            )
        return transport

    def streaming_for(self, kind: PoolKind, /) -> AiohttpStreamingTransport:
        """Return a streaming transport sharing the connections of `kind`.

        Raises:
            ClosedError: The pool was closed.
        """
        streaming = self._streaming.get(kind)
        if streaming is None:
            # Imported on first use: only `sample_stream` needs it.
            from tinkex.adapters.aiohttp_streaming import AiohttpStreamingTransport

            streaming = AiohttpStreamingTransport(self.transport_for(kind))
            self._streaming[kind] = streaming
        return streaming

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        """Send through the transport of `request.pool` (see `AiohttpTransport.send`)."""
        return await self.transport_for(request.pool).send(request)

    async def aclose(self) -> None:
        """Close every transport, most recently created first; idempotent."""
        self.closed = True
        transports = list(self._transports.values())
        self._transports.clear()
        self._streaming.clear()
        for transport in reversed(transports):
            await transport.aclose()
