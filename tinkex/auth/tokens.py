"""`JwtTokens`: the short-lived JWT of JWT mode, exchanged for and kept fresh.

When the server's config says ``pjwt_auth_enabled``, every request carries a JWT from
``POST /api/v1/auth/token`` instead of the API key. The token is:

* reused while more than `refresh_margin_s` (60 s) remain before its ``exp``; otherwise
  exchanged again on demand, under a lock, so concurrent callers share one exchange;
* refreshed in the background half-way through its life (``(exp - iat) x U(0.45, 0.55)``),
  retrying every `retry_delay_s` (60 s) after a failure;
* kept when an on-demand refresh fails for a reason other than a rejected credential while
  it is still unexpired (a warning says so); an `AuthenticationError` from the exchange is
  raised at once, and stops the background refresh once the token is close to expiring;
* replaced by `replace` when the server rejects it (``invalid_token``): concurrent rejections
  of one token cost one exchange.

Tokens are remembered as secrets (`tinkex.redaction`) as soon as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
from typing import TYPE_CHECKING

from tinkex.auth.jwt import jwt_expiry, jwt_lifetime
from tinkex.domain.headers import current_sdk_method
from tinkex.errors import AuthenticationError, ConfigError, TinkexError
from tinkex.redaction import remember_secret

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.ports.clock import Clock

__all__ = ["JwtTokens"]

REFRESH_MARGIN_S = 60.0
RETRY_DELAY_S = 60.0


class JwtTokens:
    """The session's JWT: exchanged on first use, refreshed before it expires.

    Args:
        exchange: One token exchange (``auth/token``); returns the JWT.
        clock: Wall time for expiry checks and the sleeps of the background refresh.
        logger: Receives ``jwt.refresh_failed`` warnings (never a token).
        rng: Jitter of the background refresh.
        refresh_margin_s: A token with less time left is refreshed before use.
        retry_delay_s: Wait after a failed background refresh.
    """

    def __init__(
        self,
        exchange: Callable[[], Awaitable[str]],
        *,
        clock: Clock,
        logger: FilteringBoundLogger,
        rng: random.Random | None = None,
        refresh_margin_s: float = REFRESH_MARGIN_S,
        retry_delay_s: float = RETRY_DELAY_S,
    ) -> None:
        self._exchange = exchange
        self._clock = clock
        self._logger = logger
        self._rng = rng if rng is not None else random.Random()
        self._margin = refresh_margin_s
        self._retry_delay = retry_delay_s
        self._token = ""
        self._lock = asyncio.Lock()
        self._refresher: asyncio.Task[None] | None = None
        self._closed = False
        self.exchanges = 0
        """Token exchanges made so far (successful or not)."""

    def __repr__(self) -> str:
        return f"JwtTokens(cached={bool(self._token)})"

    def current(self) -> str | None:
        """The last token received, without refreshing (None before the first exchange)."""
        return self._token or None

    async def token(self) -> str:
        """A token with more than the margin left: the cached one, or a fresh exchange.

        Raises:
            AuthenticationError: The server rejected the credential the exchange sends.
            TinkexError: The exchange failed and no unexpired token is at hand.
        """
        if self._fresh():
            return self._token
        async with self._lock:
            if self._fresh():  # another caller refreshed it while this one waited
                return self._token
            try:
                token = await self._fetch()
            except AuthenticationError:
                raise
            except TinkexError as exc:
                if self._seconds_left() <= 0:
                    raise
                self._logger.warning(
                    "jwt.refresh_failed", on_demand=True, error=str(exc), using="cached token"
                )
                return self._token
            self._start_refresher(token)
            return token

    async def replace(self, rejected: str) -> str:
        """A token other than `rejected`, which the server refused: one exchange at most."""
        if self._token and self._token != rejected:
            return self._token
        async with self._lock:
            if self._token and self._token != rejected:
                return self._token
            token = await self._fetch()
            self._start_refresher(token)
            return token

    async def aclose(self) -> None:
        """Stop the background refresh (cached tokens stay usable for the last requests)."""
        self._closed = True
        task, self._refresher = self._refresher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _seconds_left(self) -> float:
        return jwt_expiry(self._token) - self._clock.time() if self._token else 0.0

    def _fresh(self) -> bool:
        return bool(self._token) and self._seconds_left() > self._margin

    async def _fetch(self) -> str:
        self.exchanges += 1
        token = await self._exchange()
        remember_secret(token)
        jwt_expiry(token)  # a token without a readable expiry cannot be managed: ConfigError
        self._token = token
        return token

    def _start_refresher(self, token: str) -> None:
        if self._refresher is not None or self._closed:
            return
        # Background traffic: the refresh must not carry the x-sdk-method of the call that
        # happened to start it.
        context = contextvars.copy_context()
        context.run(current_sdk_method.set, None)
        self._refresher = asyncio.get_running_loop().create_task(
            self._refresh_loop(token), context=context
        )

    def _refresh_delay(self, token: str) -> float:
        try:
            return jwt_lifetime(token) * self._rng.uniform(0.45, 0.55)
        except ConfigError:
            return self._retry_delay

    async def _refresh_loop(self, token: str) -> None:
        delay = self._refresh_delay(token)
        failing = False
        while True:
            await self._clock.sleep(delay)
            try:
                async with self._lock:
                    token = await self._fetch()
            except AuthenticationError as exc:
                if self._seconds_left() - self._retry_delay <= self._margin:
                    # Near expiry the on-demand path takes over (and reports the rejection).
                    self._logger.warning("jwt.refresh_stopped", error=str(exc))
                    self._refresher = None
                    return
                failing = self._report(exc, failing)
                delay = self._retry_delay
            except TinkexError as exc:
                failing = self._report(exc, failing)
                delay = self._retry_delay
            else:
                delay, failing = self._refresh_delay(token), False

    def _report(self, exc: TinkexError, failing: bool) -> bool:
        log = self._logger.debug if failing else self._logger.warning
        log("jwt.refresh_failed", on_demand=False, error=str(exc), retry_in_s=self._retry_delay)
        return True
