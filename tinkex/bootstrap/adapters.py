"""Choose the I/O adapters: the aiohttp pools, the embedded backend, or what the user passed.

`default_adapters` is the one place that decides, for a resolved config and the user's
overrides, which connection pool carries the traffic, which clock times it, where telemetry
goes and whether session heartbeats get a thread of their own.

Heartbeats keep the server from expiring the session. ``heartbeat="thread"`` sends them from a
daemon thread with its own event loop and connection, so they keep flowing while user code
blocks the event loop (a long numpy step, a synchronous call); it is the default for an HTTP
service reached through tinkex's own connection pools, because a session lost to one slow
step costs the whole run. ``heartbeat="loop"`` sends them as a task on the caller's event loop
through the client's own transport: no thread is started, but a loop blocked for longer than
the server's session timeout loses the session. It is the default, and the only mode, for the
in-process embedded backend and for a transport the user passes (a heartbeat thread would open
its own connection and bypass it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

import msgspec

from tinkex.adapters.clock import SystemClock
from tinkex.domain.urls import LOCAL_BASE_URL
from tinkex.errors import ConfigError
from tinkex.ports.clock import Clock
from tinkex.ports.pool import ConnectionPool
from tinkex.ports.telemetry import TelemetrySink

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.config import TinkexConfig
    from tinkex.local import LocalBackend
    from tinkex.ports.transport import PoolKind, Transport

__all__ = [
    "LOCAL_BASE_URL",
    "Adapters",
    "SharedTransportPool",
    "as_pool",
    "default_adapters",
]


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
        telemetry: A sink that receives the SDK's telemetry events instead of the batching
            uploader (None: upload to the service when telemetry is on).
        closers: Extra async closers, run after the pool closes (e.g. the local backend).
    """

    pool: ConnectionPool
    clock: Clock
    base_url: str
    threaded_heartbeat: bool = False
    telemetry: TelemetrySink | None = None
    closers: list[Callable[[], Awaitable[None]]] = msgspec.field(default_factory=list)


def as_pool(transport: Transport | ConnectionPool) -> ConnectionPool:
    """A connection pool from what the user passed: a pool as it is, a transport shared.

    Raises:
        ConfigError: It is neither (no ``transport_for`` and no ``send``).
    """
    if callable(getattr(transport, "transport_for", None)):
        return cast("ConnectionPool", transport)
    if callable(getattr(transport, "send", None)):
        return SharedTransportPool(cast("Transport", transport))
    raise ConfigError(
        "transport must be a Transport (send, aclose) or a ConnectionPool "
        f"(transport_for, aclose), got {type(transport).__name__}"
    )


def local_adapters(
    backend: LocalBackend, *, owns_backend: bool, clock: Clock | None = None
) -> Adapters:
    """Adapters that talk to an embedded backend in-process, without sockets."""
    from tinkex.local import InProcessTransport  # the backend is loaded only when asked for

    transport = InProcessTransport(backend, LOCAL_BASE_URL)
    closers: list[Callable[[], Awaitable[None]]] = [backend.aclose] if owns_backend else []
    return Adapters(
        pool=SharedTransportPool(transport),
        clock=clock if clock is not None else SystemClock(),
        base_url=LOCAL_BASE_URL,
        threaded_heartbeat=False,
        closers=closers,
    )


def default_adapters(
    config: TinkexConfig,
    *,
    backend: LocalBackend | None = None,
    local_data_dir: Path | None = None,
    transport: Transport | ConnectionPool | None = None,
    clock: Clock | None = None,
    telemetry: TelemetrySink | None = None,
) -> Adapters:
    """Pick adapters for a config: the user's transport, the embedded backend, or aiohttp.

    The embedded backend is used only when `config.base_url` is ``"local"`` or a backend is
    passed explicitly; it is never a silent fallback. A `transport` carries every request
    (addressed to `config.base_url`, or ``http://local`` for ``"local"``); nothing else
    opens a connection.

    Args:
        config: The resolved configuration (its ``heartbeat`` mode is checked here).
        backend: An embedded backend to call in-process (not closed by the client).
        local_data_dir: Where a backend created for ``base_url="local"`` keeps its files.
        transport: A Transport or ConnectionPool for all traffic (closed with the client).
        clock: The time source of every timing (default: the system clock).
        telemetry: A sink for the SDK's telemetry events.

    Raises:
        ConfigError: Both a transport and a backend, or ``heartbeat="thread"`` where no
            heartbeat thread can run (the in-process backend, a user's transport).
    """
    if transport is not None and backend is not None:
        raise ConfigError("pass either transport or backend, not both")
    if transport is not None:
        _require_loop_heartbeat(config, "with a transport you pass (it would bypass it)")
        adapters = Adapters(
            pool=as_pool(transport),
            clock=clock if clock is not None else SystemClock(),
            base_url=LOCAL_BASE_URL if config.is_local else config.base_url,
        )
    elif backend is not None or config.is_local:
        _require_loop_heartbeat(config, "with the in-process embedded backend")
        if backend is not None:
            adapters = local_adapters(backend, owns_backend=False, clock=clock)
        else:
            from tinkex.local import LocalBackend

            adapters = local_adapters(LocalBackend(local_data_dir), owns_backend=True, clock=clock)
    else:
        # Imported here so that importing the clients does not load the aiohttp adapters.
        from tinkex.adapters.aiohttp_pool import AiohttpConnectionPool, PoolLimits

        # Credential headers go to the configured service's origin only (redirects included).
        adapters = Adapters(
            pool=AiohttpConnectionPool(PoolLimits(), credential_origin=config.base_url),
            clock=clock if clock is not None else SystemClock(),
            base_url=config.base_url,
            threaded_heartbeat=config.heartbeat != "loop",
        )
    adapters.telemetry = telemetry
    return adapters


def _require_loop_heartbeat(config: TinkexConfig, where: str) -> None:
    if config.heartbeat == "thread":
        raise ConfigError(
            f"heartbeat='thread' (argument or TINKEX_HEARTBEAT) is not possible {where}: the "
            "heartbeat thread needs its own connection to a network service; use 'loop'"
        )
