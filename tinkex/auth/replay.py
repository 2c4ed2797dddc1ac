"""Replay once a request the server rejected for its token (``WWW-Authenticate: invalid_token``).

In JWT mode a token can be revoked or rotated before it expires. The server then answers 401
with ``WWW-Authenticate: Bearer error="invalid_token"``; `JwtReplayPool` wraps the connection
pool so that every transport, on such an answer, gets a token other than the rejected one
(`JwtTokens.replace`: concurrent rejections share one exchange) and sends the same request
again, once, with the same idempotency key (the first attempt was refused before any work).
Any other answer, and the replay's answer, goes back to the retry loop unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tinkex.domain.service_spec import API_KEY_HEADER

if TYPE_CHECKING:
    from tinkex.auth.tokens import JwtTokens
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind, Transport

__all__ = ["JwtReplayPool", "is_invalid_token"]

_INVALID_TOKEN = 'error="invalid_token"'


def is_invalid_token(response: HttpResponse) -> bool:
    """True for a 401 whose ``WWW-Authenticate`` says the token itself is invalid (RFC 6750)."""
    return response.status == 401 and _INVALID_TOKEN in response.headers.get("www-authenticate", "")


class JwtReplayPool:
    """A `ConnectionPool` whose transports replay an ``invalid_token`` rejection once.

    Args:
        inner: The pool that does the sending (not closed separately: `aclose` closes it).
        tokens: Where a replacement token comes from.
    """

    def __init__(self, inner: ConnectionPool, tokens: JwtTokens) -> None:
        self._inner = inner
        self._tokens = tokens
        self._transports: dict[PoolKind, _ReplayingTransport] = {}

    def transport_for(self, kind: PoolKind, /) -> Transport:
        """The inner pool's transport for `kind`, wrapped."""
        transport = self._transports.get(kind)
        if transport is None:
            inner = self._inner.transport_for(kind)
            transport = self._transports[kind] = _ReplayingTransport(inner, self._tokens)
        return transport

    async def aclose(self) -> None:
        """Close the inner pool."""
        self._transports.clear()
        await self._inner.aclose()


class _ReplayingTransport:
    def __init__(self, inner: Transport, tokens: JwtTokens) -> None:
        self._inner = inner
        self._tokens = tokens

    async def send(self, request: HttpRequest, /) -> HttpResponse:
        response = await self._inner.send(request)
        rejected = request.header(API_KEY_HEADER)
        if rejected is None or not is_invalid_token(response):
            return response
        fresh = await self._tokens.replace(rejected)
        name = API_KEY_HEADER.lower()
        headers = tuple((k, fresh if k.lower() == name else v) for k, v in request.headers)
        return await self._inner.send(msgspec.structs.replace(request, headers=headers))

    async def aclose(self) -> None:
        await self._inner.aclose()
