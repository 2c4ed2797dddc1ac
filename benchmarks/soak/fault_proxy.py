"""A small aiohttp reverse proxy on 127.0.0.1 that injects faults the embedded backend cannot.

The backend's own `FaultPlan` answers 503s, drops connections after processing, pauses polls
and refuses samples. What a real deployment adds in front of it — rate-limit windows from an
edge proxy, and connections reset on the way in or on the way out — comes from here::

    plan = ProxyPlan(seed=3, burst_chance=0.02, burst_length=4, reset_before=0.05)
    async with FaultProxy("http://127.0.0.1:8000", plan) as proxy:
        ...  # point the client at proxy.url

Every request draws one decision from the plan's seeded RNG, in arrival order:

* **429 burst**: with probability `burst_chance` a burst starts, and this request and the next
  ``burst_length - 1`` are answered 429 without reaching the server, asking for a wait with
  ``Retry-After: <seconds>`` or ``retry-after-ms: <ms>`` (by default bursts alternate, so
  both parsings get exercised).
* **reset before**: the connection is reset (RST) before anything is forwarded: the server
  never sees the request.
* **reset after**: the request is forwarded and fully answered by the server (it applied it),
  then the client's connection is reset instead of receiving that answer.
* anything else passes through unchanged (method, path, query, headers, body bytes as sent,
  compressed or not; the answer's status, headers and body as the server sent them).

The proxy is bounded: `max_faults` caps the injected faults, and it closes itself after
`lifetime_s` even if its owner never does. `counts` tells what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["FaultProxy", "ProxyPlan"]

# Hop-by-hop headers (RFC 9110 §7.6.1) and the ones aiohttp recomputes for the new message.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
    }
)
_UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=120.0)
_UPSTREAM_CONNECTIONS = 1000  # the client's own pool limit is what bounds concurrency
_LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST


@dataclass(frozen=True)
class ProxyPlan:
    """What the proxy injects, and how often.

    Attributes:
        seed: Seed of the decision stream.
        burst_chance: Probability that a request (outside a burst) starts a 429 burst.
        burst_length: Consecutive requests answered 429 per burst (the first included).
        retry_after_ms: The wait each 429 asks for (sent as whole seconds, at least 1, on the
            bursts that use ``Retry-After``).
        retry_after_header: ``alternate`` (odd bursts ``Retry-After``, even ones
            ``retry-after-ms``), ``seconds`` or ``ms``.
        reset_before: Probability of a reset before the request reaches the server.
        reset_after: Probability of a reset after the server answered the request.
        max_faults: Faults injected at most; then everything passes (None = no cap).
        paths: Path fragments faults apply to (empty = every request).
    """

    seed: int = 0
    burst_chance: float = 0.0
    burst_length: int = 1
    retry_after_ms: int = 1000
    retry_after_header: str = "alternate"
    reset_before: float = 0.0
    reset_after: float = 0.0
    max_faults: int | None = None
    paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("burst_chance", "reset_before", "reset_after"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"ProxyPlan.{name} must be within [0, 1], got {value!r}")
        for name in ("burst_length", "retry_after_ms"):
            if getattr(self, name) < 1:
                raise ValueError(f"ProxyPlan.{name} must be at least 1, got {getattr(self, name)}")
        if self.retry_after_header not in ("alternate", "seconds", "ms"):
            raise ValueError(
                "ProxyPlan.retry_after_header must be alternate, seconds or ms, "
                f"got {self.retry_after_header!r}"
            )


class FaultProxy:
    """The proxy itself; use as an async context manager (or `start` / `close`).

    Args:
        upstream: Base URL of the server behind the proxy (``http://127.0.0.1:PORT``).
        plan: The faults to inject.
        lifetime_s: The proxy closes itself after this long.

    Attributes:
        url: The proxy's base URL, once started.
        counts: Requests by outcome: ``passed``, ``429``, ``reset_before``, ``reset_after``,
            ``upstream_dropped`` (the server closed without answering; passed on as a reset),
            and ``bursts`` started.
        retry_after_total_s: The sum of the waits the 429 answers asked for.
        faults_by_endpoint: Injected faults by ``(kind, endpoint)``, the endpoint being the
            path segment after ``/api/v1/`` (``asample``, ``retrieve_future``...).
    """

    def __init__(self, upstream: str, plan: ProxyPlan, *, lifetime_s: float = 900.0) -> None:
        self._upstream = upstream.rstrip("/")
        self._plan = plan
        self._lifetime_s = lifetime_s
        self._rng = random.Random(plan.seed)  # faults, not crypto
        self._burst_left = 0
        self._burst_ms_header = False
        self.counts: Counter[str] = Counter()
        self.retry_after_total_s = 0.0
        self.faults_by_endpoint: Counter[tuple[str, str]] = Counter()
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._watchdog: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=_UPSTREAM_CONNECTIONS),
            timeout=_UPSTREAM_TIMEOUT,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, auto_decompress=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._watchdog = asyncio.get_running_loop().create_task(self._expire())

    async def _expire(self) -> None:
        await asyncio.sleep(self._lifetime_s)
        await self._shutdown()

    async def close(self) -> None:
        """Stop listening and close the upstream connections."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        await self._shutdown()

    async def _shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _faults_left(self) -> bool:
        cap = self._plan.max_faults
        injected = self.counts["429"] + self.counts["reset_before"] + self.counts["reset_after"]
        return cap is None or injected < cap

    def _decide(self, path: str) -> str:
        """One decision per request: ``429``, ``reset_before``, ``reset_after`` or ``pass``."""
        plan = self._plan
        # Draw the same three numbers for every request so the stream stays aligned.
        burst, before, after = self._rng.random(), self._rng.random(), self._rng.random()
        if plan.paths and not any(fragment in path for fragment in plan.paths):
            return "pass"
        if not self._faults_left():
            return "pass"
        if self._burst_left == 0 and burst < plan.burst_chance:
            self._burst_left = plan.burst_length
            self.counts["bursts"] += 1
            style = plan.retry_after_header
            even = self.counts["bursts"] % 2 == 0
            self._burst_ms_header = style == "ms" or (style == "alternate" and even)
        if self._burst_left > 0:
            self._burst_left -= 1
            return "429"
        if before < plan.reset_before:
            return "reset_before"
        if after < plan.reset_after:
            return "reset_after"
        return "pass"

    def _too_many_requests(self) -> web.Response:
        wait_ms = self._plan.retry_after_ms
        if self._burst_ms_header:
            headers = {"retry-after-ms": str(wait_ms)}
            self.retry_after_total_s += wait_ms / 1000
        else:
            seconds = max(1, round(wait_ms / 1000))
            headers = {"Retry-After": str(seconds)}
            self.retry_after_total_s += seconds
        body = b'{"detail": "rate limited by the fault proxy"}'
        return web.Response(status=429, body=body, headers=headers, content_type="application/json")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        decision = self._decide(request.path)
        if decision != "pass":
            self.faults_by_endpoint[(decision, _endpoint(request.path))] += 1
        if decision == "429":
            self.counts["429"] += 1
            return self._too_many_requests()
        if decision == "reset_before":
            self.counts["reset_before"] += 1
            return _reset(request)
        try:
            status, headers, payload = await self._forward(request, body)
        except (aiohttp.ClientError, TimeoutError):
            # The server dropped the connection (its own fault plan) or never answered: the
            # client sees the same, a connection that ends without an answer.
            self.counts["upstream_dropped"] += 1
            return _reset(request)
        if decision == "reset_after":
            self.counts["reset_after"] += 1
            return _reset(request)
        self.counts["passed"] += 1
        return web.Response(status=status, headers=headers, body=payload)

    async def _forward(
        self, request: web.Request, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._session is not None, "the proxy is closed"
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self._session.request(
            request.method,
            self._upstream + request.rel_url.raw_path_qs,
            headers=headers,
            data=body if body else None,
            allow_redirects=False,
        ) as upstream:
            payload = await upstream.read()
            answer = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
            return upstream.status, answer, payload


def _endpoint(path: str) -> str:
    return path.split("/api/v1/", 1)[-1].split("/", 1)[0]


def _reset(request: web.Request) -> web.StreamResponse:
    """Reset the client's connection (RST, not a clean close) and answer nothing."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        transport.abort()
    # Nothing can be written any more; aiohttp drops a response to an aborted transport.
    raise asyncio.CancelledError
