"""JwtTokens: reuse, on-demand and background refresh, fallback, replacement, in virtual time."""

from __future__ import annotations

import asyncio

import pytest
from jwt_helpers import make_jwt

from tinkex.auth.tokens import JwtTokens
from tinkex.errors import APIConnectionError, AuthenticationError
from tinkex.flows.logging import configure_logging
from tinkex.testing.clock import VirtualClock

LIFETIME = 600.0


class Exchange:
    """A token exchange that counts calls and can be told to fail."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.calls = 0
        self.fail: Exception | None = None

    async def __call__(self) -> str:
        self.calls += 1
        await asyncio.sleep(0)  # let concurrent callers pile up on the lock
        if self.fail is not None:
            raise self.fail
        now = self.clock.time()
        return make_jwt(now, now + LIFETIME, n=self.calls)


def _tokens(auto_advance: bool = False) -> tuple[JwtTokens, Exchange, VirtualClock]:
    clock = VirtualClock(auto_advance=auto_advance)
    exchange = Exchange(clock)
    tokens = JwtTokens(exchange, clock=clock, logger=configure_logging(None))
    return tokens, exchange, clock


async def test_a_token_is_reused_until_a_minute_before_it_expires() -> None:
    tokens, exchange, clock = _tokens()
    first = await tokens.token()
    clock.advance(LIFETIME - 61)
    assert await tokens.token() == first
    clock.advance(2)  # 59 s left: refreshed before use
    second = await tokens.token()
    assert second != first
    assert exchange.calls == 2
    await tokens.aclose()


async def test_concurrent_callers_share_one_exchange() -> None:
    tokens, exchange, _ = _tokens()
    got = await asyncio.gather(*(tokens.token() for _ in range(10)))
    assert len(set(got)) == 1
    assert exchange.calls == 1
    await tokens.aclose()


async def test_a_rejected_token_is_replaced_once_for_all_who_saw_it() -> None:
    tokens, exchange, _ = _tokens()
    rejected = await tokens.token()
    fresh = await asyncio.gather(*(tokens.replace(rejected) for _ in range(5)))
    assert len(set(fresh)) == 1
    assert fresh[0] != rejected
    assert exchange.calls == 2
    assert await tokens.replace("some older token") == fresh[0]  # no exchange for stale news
    assert exchange.calls == 2
    await tokens.aclose()


async def test_the_background_refresh_runs_half_way_through_the_lifetime() -> None:
    tokens, exchange, clock = _tokens(auto_advance=True)
    first = await tokens.token()
    await asyncio.sleep(0)
    for _ in range(3):
        await clock.sleep(LIFETIME * 0.56)  # past the latest jittered refresh point
    assert exchange.calls >= 3
    refresh_delays = [s for s in clock.sleeps if s != LIFETIME * 0.56]
    assert refresh_delays
    assert all(0.45 * LIFETIME <= s <= 0.55 * LIFETIME for s in refresh_delays)
    assert tokens.current() != first
    await tokens.aclose()


async def test_a_failed_background_refresh_retries_every_minute() -> None:
    tokens, exchange, clock = _tokens(auto_advance=True)
    await tokens.token()
    exchange.fail = APIConnectionError("down", method="POST", url_path="/api/v1/auth/token")
    await clock.sleep(LIFETIME * 0.55 + 1)
    await clock.sleep(130)
    assert [s for s in clock.sleeps if s == 60.0]  # the retry delay
    calls = exchange.calls
    exchange.fail = None
    await clock.sleep(61)
    assert exchange.calls == calls + 1
    await tokens.aclose()


async def test_an_unexpired_token_is_kept_when_an_on_demand_refresh_fails() -> None:
    tokens, exchange, clock = _tokens()
    first = await tokens.token()
    clock.advance(LIFETIME - 30)  # inside the margin, not expired
    exchange.fail = APIConnectionError("down", method="POST", url_path="/api/v1/auth/token")
    assert await tokens.token() == first
    clock.advance(31)  # expired: nothing to fall back on
    with pytest.raises(APIConnectionError):
        await tokens.token()
    await tokens.aclose()


async def test_a_rejected_credential_is_raised_at_once() -> None:
    tokens, exchange, clock = _tokens()
    await tokens.token()
    clock.advance(LIFETIME - 30)
    exchange.fail = AuthenticationError("refused", status=401, body=None)
    with pytest.raises(AuthenticationError):
        await tokens.token()
    await tokens.aclose()


async def test_closing_stops_the_background_refresh() -> None:
    tokens, exchange, clock = _tokens(auto_advance=True)
    await tokens.token()
    await tokens.aclose()
    await clock.sleep(LIFETIME * 2)
    assert exchange.calls == 1
    assert tokens.current() is not None  # still usable for the last requests
