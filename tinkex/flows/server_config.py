"""Server-driven configuration: negotiation with old servers, and background refresh.

`negotiate` fetches ``/client/config``; a 404 means the server predates server-driven config,
so the client runs on the defaults in legacy mode (JSON wire). `fetch_or_default` does the same
for ``/client/dynamic_config`` without the legacy flag. `DynamicConfigRefresher` re-fetches the
dynamic config in the background and keeps the last good value when a refresh fails.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Generic, TypeVar

import msgspec

from tinkex.errors import NotFoundError
from tinkex.flows.logging import configure_logging

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock

__all__ = ["DynamicConfigRefresher", "NegotiatedConfig", "fetch_or_default", "negotiate"]

T = TypeVar("T")

MIN_REFRESH_INTERVAL_S = 10.0


class NegotiatedConfig(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """The client config in force and how it was obtained.

    Attributes:
        config: The server's config, or the defaults.
        legacy: True when the server has no config endpoint (404): use the JSON wire.
    """

    config: T
    legacy: bool = False


async def negotiate(
    fetch: Callable[[], Awaitable[T]],
    *,
    defaults: T,
    logger: FilteringBoundLogger | None = None,
) -> NegotiatedConfig[T]:
    """Fetch the client config; a 404 yields the defaults in legacy mode.

    Args:
        fetch: ``POST /api/v1/client/config`` (with the caller's retries).
        defaults: The config used when the server has no such endpoint.
        logger: Receives one ``server_config.legacy`` event on a 404.

    Returns:
        The negotiated config.

    Raises:
        Every error of `fetch` other than `NotFoundError`.
    """
    try:
        return NegotiatedConfig(config=await fetch(), legacy=False)
    except NotFoundError:
        (logger or configure_logging()).warning(
            "server_config.legacy",
            detail="the server predates server-driven config; using defaults and the JSON wire",
        )
        return NegotiatedConfig(config=defaults, legacy=True)


async def fetch_or_default(fetch: Callable[[], Awaitable[T]], *, defaults: T) -> T:
    """Fetch a config whose endpoint may be missing: a 404 yields `defaults`.

    Raises:
        Every error of `fetch` other than `NotFoundError`.
    """
    try:
        return await fetch()
    except NotFoundError:
        return defaults


class DynamicConfigRefresher(Generic[T]):
    """Keep a dynamic config fresh in the background.

    Refreshes every ``max(interval_of(current), 10)`` seconds. A failed refresh (including a
    404) keeps the last known good config and is logged at debug level.

    Attributes:
        refreshes: Successful refreshes so far.
        failures: Failed refreshes so far.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[T]],
        *,
        initial: T,
        clock: Clock,
        interval_of: Callable[[T], float] = lambda _config: 300.0,
        on_change: Callable[[T], None] | None = None,
        logger: FilteringBoundLogger | None = None,
    ) -> None:
        """Create a refresher (call `start` to begin).

        Args:
            fetch: ``POST /api/v1/client/dynamic_config`` (timeout 10 s, no retries).
            initial: The config fetched at start-up.
            clock: Time source.
            interval_of: Reads the refresh interval from a config (``refresh_interval_sec``).
            on_change: Called with each newly fetched config that differs from the last.
            logger: Where refresh failures are logged.
        """
        self._fetch = fetch
        self._current = initial
        self._clock = clock
        self._interval_of = interval_of
        self._on_change = on_change
        self._log: FilteringBoundLogger = logger or configure_logging()
        self._task: asyncio.Task[None] | None = None
        self.refreshes = 0
        self.failures = 0

    @property
    def current(self) -> T:
        """The last known good config."""
        return self._current

    def interval_s(self) -> float:
        """Seconds until the next refresh, from the current config."""
        return max(self._interval_of(self._current), MIN_REFRESH_INTERVAL_S)

    def start(self) -> None:
        """Start the background task on the running loop (no-op if running)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="tinkex-dynamic-config"
            )

    async def aclose(self) -> None:
        """Stop refreshing."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))

    async def refresh(self) -> bool:
        """Fetch once now; returns True when the config was refreshed."""
        try:
            fresh = await self._fetch()
        except Exception as exc:  # noqa: BLE001 - keep the last known good config
            self.failures += 1
            self._log.debug("dynamic_config.refresh_failed", error_type=type(exc).__name__)
            return False
        self.refreshes += 1
        changed = fresh != self._current
        self._current = fresh
        if changed and self._on_change is not None:
            self._on_change(fresh)
        return True

    async def _run(self) -> None:
        while True:
            await self._clock.sleep(self.interval_s())
            await self.refresh()
