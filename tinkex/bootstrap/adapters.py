"""Choose the I/O adapters: the aiohttp pools for a real service, or the embedded backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import msgspec

from tinkex.adapters.clock import SystemClock
from tinkex.ports.clock import Clock
from tinkex.ports.pool import ConnectionPool

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.config import TinkexConfig
    from tinkex.local import LocalBackend
    from tinkex.ports.transport import PoolKind, Transport

__all__ = ["Adapters", "SharedTransportPool", "default_adapters"]

LOCAL_BASE_URL = "http://local"
"""The base URL requests carry when they go to the in-process embedded backend."""


class SharedTransportPool:
    """A ConnectionPool that serves every traffic class with one transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def transport_for(self, kind: PoolKind, /) -> Transport:
        """Return the shared transport."""
        return self._transport

    async def aclose(self) -> None:
        """Close the shared transport."""
        await self._transport.aclose()


class Adapters(msgspec.Struct, kw_only=True):
    """The concrete I/O the composition root wires in.

    Attributes:
        pool: Transports per traffic class.
        clock: Time source for every timing.
        base_url: The URL requests are addressed to.
        threaded_heartbeat: Send heartbeats from their own thread and connection, so they
            keep flowing while user code blocks the event loop. Needs a real network
            service; the in-process backend lives on the caller's loop.
        closers: Extra async closers, run after the pool closes (e.g. the local backend).
    """

    pool: ConnectionPool
    clock: Clock
    base_url: str
    threaded_heartbeat: bool = True
    closers: list[Callable[[], Awaitable[None]]] = msgspec.field(default_factory=list)


def local_adapters(backend: LocalBackend, *, owns_backend: bool) -> Adapters:
    """Adapters that talk to an embedded backend in-process, without sockets."""
    from tinkex.local import InProcessTransport  # the backend is loaded only when asked for

    transport = InProcessTransport(backend, LOCAL_BASE_URL)
    closers: list[Callable[[], Awaitable[None]]] = [backend.aclose] if owns_backend else []
    return Adapters(
        pool=SharedTransportPool(transport),
        clock=SystemClock(),
        base_url=LOCAL_BASE_URL,
        threaded_heartbeat=False,
        closers=closers,
    )


def default_adapters(
    config: TinkexConfig,
    *,
    backend: LocalBackend | None = None,
    local_data_dir: Path | None = None,
) -> Adapters:
    """Pick adapters for a config: aiohttp pools, or the embedded backend when asked for.

    The embedded backend is used only when `config.base_url` is ``"local"`` or a backend is
    passed explicitly; it is never a silent fallback.
    """
    if backend is not None:
        return local_adapters(backend, owns_backend=False)
    if config.is_local:
        from tinkex.local import LocalBackend

        return local_adapters(LocalBackend(local_data_dir), owns_backend=True)
    # Imported here so that importing the clients does not load the aiohttp adapters.
    from tinkex.adapters.aiohttp_pool import AiohttpConnectionPool, PoolLimits

    # Credential headers go to the configured service's origin only (redirects included).
    pool = AiohttpConnectionPool(PoolLimits(), credential_origin=config.base_url)
    return Adapters(pool=pool, clock=SystemClock(), base_url=config.base_url)
