"""The HTTP retry layer of the pipeline, driven by the pure policy in `tinkex.domain.retry`.

`HttpRetrier` sends one logical request: per attempt it waits on the endpoint's rate limiter,
asks its circuit breaker, adds the per-attempt headers (idempotency key, retry count, trace
context) and opens an attempt span; failed attempts are classified by the endpoint's
``retry_policy`` (its `RetryConfig`) and slept on the Clock. A ``retry-after`` the backoff
honours is waited exactly and does not grow the backoff streak.

The error raised for a final status keeps the server's requested delay (`requested_delay_s`),
so the loops above (the outer retry, the future poller, the sampling retries) honour it too.
The outer layer around whole logical calls is `tinkex.flows.outer_retry`.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import TYPE_CHECKING

import msgspec

from tinkex.domain.headers import merge_headers
from tinkex.domain.retry import classify, is_cloudflare_reset, parse_should_retry, retry_after_s
from tinkex.errors import APIConnectionError, APIStatusError, TinkexError, status_error_for
from tinkex.flows.features import RETRY_COUNT_HEADER, RetryConfig
from tinkex.flows.idempotency import IDEMPOTENCY_HEADER, idempotency_key_in, new_idempotency_key
from tinkex.flows.logging import debug_enabled, redact_headers
from tinkex.flows.observability import note_retry
from tinkex.flows.tracing import fail, record_response, safe_url
from tinkex.ports.endpoint import EndpointSpec
from tinkex.ports.transport import HttpRequest, HttpResponse

if TYPE_CHECKING:
    import random
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from structlog.typing import FilteringBoundLogger

    from tinkex.flows.circuit_breaker import CircuitBreaker
    from tinkex.flows.rate_limiter import RateLimiter
    from tinkex.flows.tracing import PipelineTracer
    from tinkex.ports.clock import Clock
    from tinkex.ports.codec import Codec
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.transport import Transport

__all__ = [
    "CLOUDFLARE_RESET_BUDGET",
    "IDEMPOTENCY_HEADER",
    "RETRY_COUNT_HEADER",
    "HttpRetrier",
    "PreparedRequest",
    "debug_enabled",
    "idempotency_key_in",
    "new_idempotency_key",
    "requested_delay_s",
    "status_error",
]

CLOUDFLARE_RESET_BUDGET = 16
"""Edge-proxy resets (an empty 400) turned into connection errors (see `is_cloudflare_reset`)."""
_MAX_ERROR_BODY = 2048
_RETRY_COUNTS = tuple(str(n) for n in range(16))  # the common values, without str() per try
# Stands in for the attempt span when nothing is traced (reusable, enters as None).
_NO_SPAN: contextlib.nullcontext[None] = contextlib.nullcontext()
# The `retry-after` of the response behind each status error raised here, for the loops that
# catch the error and retry on their own. A side table because the error classes (owned by
# `tinkex.errors`) carry no headers; weak keys, so it never keeps an error alive.
_REQUESTED_DELAYS: weakref.WeakKeyDictionary[BaseException, float] = weakref.WeakKeyDictionary()


def requested_delay_s(error: BaseException) -> float | None:
    """The delay (s) the server asked for with the response behind `error`, if it asked."""
    return _REQUESTED_DELAYS.get(error)


class PreparedRequest(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Everything shared by the attempts of one logical request.

    Not tracked by the garbage collector (``gc=False``): it only holds strings, bytes, tuples
    and the endpoint spec, so it can never be part of a reference cycle.

    Attributes:
        endpoint: The endpoint description.
        url: Absolute URL with path parameters and query string.
        body: The encoded body, or None.
        headers: Headers sent on every attempt (per-attempt ones are added later).
        path: The request path (no query), for errors.
        caller_names: Lower-cased names of the headers the caller passed explicitly.
        known_caller_key: The `X-Idempotency-Key` value among `headers` (None: there is
            none) when the builder already knows it; UNSET makes `caller_key` look it up.
    """

    endpoint: EndpointSpec
    url: str
    body: bytes | None
    headers: tuple[tuple[str, str], ...]
    path: str
    caller_names: frozenset[str] = frozenset()
    known_caller_key: str | msgspec.UnsetType | None = msgspec.UNSET

    def __repr__(self) -> str:
        # The headers hold credentials; show only what identifies the request.
        return f"PreparedRequest({self.endpoint.name!r}, {safe_url(self.url)!r})"

    @property
    def caller_key(self) -> str | None:
        """The idempotency key the caller supplied, if any."""
        known = self.known_caller_key
        if known is not msgspec.UNSET:
            return known
        return idempotency_key_in(self.headers)


def _with_fresh(
    prepared: PreparedRequest, fresh: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """`prepared`'s headers with the fresh credentials the caller did not override.

    A function of its own: a comprehension inside `HttpRetrier._headers` would make
    `prepared` a closure cell there, one more object on every attempt even without fresh
    credentials.
    """
    kept = [(k, v) for k, v in fresh if k.lower() not in prepared.caller_names]
    return tuple(merge_headers(prepared.headers, kept))


def status_error(
    response: HttpResponse,
    *,
    method: str,
    path: str,
    json_codec: Codec | None,
    now: float | None = None,
) -> APIStatusError:
    """Build the typed error for a failed response (never copying any header but the id).

    The message is ``Error code: <status> - <body text, at most 2 KB>``; `body` holds the
    decoded JSON body when there is one, else the text. With `now` (Unix time), the
    response's ``retry-after`` is kept for `requested_delay_s`.
    """
    text = response.body[:_MAX_ERROR_BODY].decode("utf-8", errors="replace")
    body: object = text or None
    if json_codec is not None and response.body and "json" in response.content_type:
        try:
            body = json_codec.decode(response.body, object)
        except TinkexError:
            body = text
    error = status_error_for(response.status)(
        f"Error code: {response.status} - {text}",
        status=response.status,
        body=body,
        request_id=response.headers.get("x-request-id"),
        method=method,
        url_path=path,
        should_retry=parse_should_retry(response.headers.get("x-should-retry")),
    )
    if now is not None:
        requested = retry_after_s(response.headers, now=now)
        if requested is not None:
            _REQUESTED_DELAYS[error] = requested
    return error


class HttpRetrier:
    """Send one logical request with HTTP-level retries (the Stainless layer).

    Args:
        pool: Gives the transport of the endpoint's traffic class.
        clock: Time and sleeping.
        settings: The default retry policy (rules, backoff, header names).
        rng: Jitter source.
        tracer: Opens the attempt spans.
        logger: Receives `http.attempt` and `http.retry` events.
        breakers: Circuit breakers by endpoint name.
        limiters: Rate limiters by endpoint name.
        json_codec: Decodes error bodies (None keeps them as text).
        redirect_endpoints: Endpoints whose 3xx answer is returned as the result.
        auth: Called before every attempt for fresh credential headers (e.g. a refreshed
            JWT); headers the caller passed explicitly are kept. None sends no extra ones.
        endpoint_settings: Retry policies by endpoint name, for endpoints whose manifest entry
            names a ``retry_policy`` block other than the default one.
    """

    def __init__(
        self,
        *,
        pool: ConnectionPool,
        clock: Clock,
        settings: RetryConfig,
        rng: random.Random,
        tracer: PipelineTracer,
        logger: FilteringBoundLogger,
        breakers: Mapping[str, CircuitBreaker],
        limiters: Mapping[str, RateLimiter],
        json_codec: Codec | None,
        auth: Callable[[], Awaitable[Sequence[tuple[str, str]]]] | None = None,
        redirect_endpoints: frozenset[str] = frozenset(),
        endpoint_settings: Mapping[str, RetryConfig] | None = None,
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._settings = settings
        self._rng = rng
        self._tracer = tracer
        self._logger = logger
        self._breakers = breakers
        self._limiters = limiters
        self._json_codec = json_codec
        self._auth = auth
        self._cloudflare_budget = CLOUDFLARE_RESET_BUDGET
        self._redirect_endpoints = redirect_endpoints
        self._endpoint_settings = dict(endpoint_settings or {})
        # Asked once: the per-attempt debug event redacts every header, which costs even
        # when the event is then filtered out.
        self._debug = debug_enabled(logger)

    def settings_for(self, endpoint: EndpointSpec) -> RetryConfig:
        """The retry policy that applies to `endpoint`."""
        if not self._endpoint_settings:  # the usual case: one retry_policy block
            return self._settings
        return self._endpoint_settings.get(endpoint.name, self._settings)

    async def send(self, prepared: PreparedRequest, *, traced: bool = True) -> HttpResponse:
        """Send until a 2xx arrives or the policy gives up.

        Args:
            prepared: The request.
            traced: Open a span per attempt (False when the tracer is known to be a no-op).

        Raises:
            APIStatusError: The subclass for the last status once retries are exhausted.
            APIConnectionError: No response arrived on the last attempt.
            CircuitOpenError: The endpoint's circuit breaker rejected an attempt.
        """
        endpoint = prepared.endpoint
        settings = self.settings_for(endpoint)
        transport = self._pool.transport_for(endpoint.pool)
        caller_key = prepared.caller_key
        key = caller_key
        if key is None and endpoint.method != "GET":
            key = new_idempotency_key(settings.idempotency_prefix)
        # A key of our own is added per attempt; the caller's is already among the headers.
        own_key = key if caller_key is None else None
        # The client-wide setting caps the endpoint's own (which is 0 for poll-like calls).
        max_retries = min(endpoint.max_retries, settings.max_retries)
        # Nothing to do around an attempt (no limiter, breaker, span, credential refresh or
        # debug event): it runs in this frame rather than `_attempt`'s, one frame fewer under
        # every request in flight.
        bare = (
            self._auth is None
            and not self._debug
            and not (traced and self._tracer.enabled)
            and not (self._limiters and endpoint.name in self._limiters)
            and not (self._breakers and endpoint.name in self._breakers)
        )
        attempt = 0
        streak = 0  # retries whose delay came from the backoff rather than the server
        while True:
            result: HttpResponse | APIConnectionError
            if bare:
                request = HttpRequest(
                    method=endpoint.method,
                    url=prepared.url,
                    headers=self._headers(prepared, own_key, attempt, None, settings),
                    body=prepared.body,
                    timeout_s=endpoint.timeout_s,
                    pool=endpoint.pool,
                )
                try:
                    result = await transport.send(request)
                except APIConnectionError as exc:
                    result = exc
                else:
                    if 200 <= result.status < 300:
                        # The usual answer, settled here: a few calls fewer per request.
                        if self._cloudflare_budget < CLOUDFLARE_RESET_BUDGET:
                            self._cloudflare_budget += 1
                        if "x-deprecation-note" in result.headers:
                            self._note_deprecation(result, endpoint.name)
                        return result
                    self._note_deprecation(result, endpoint.name)
            else:
                result = await self._attempt(
                    transport, prepared, own_key, attempt, traced, settings
                )
            outcome = self._cloudflare_check(result, prepared)
            if isinstance(outcome, HttpResponse) and self._is_answer(endpoint, outcome.status):
                return outcome
            now = self._clock.time()
            decision = classify(
                outcome,
                attempt=attempt,
                streak=streak,
                max_retries=max_retries,
                settings=settings,
                jitter=self._rng,
                now=now,
            )
            if not decision.retry:
                if isinstance(outcome, HttpResponse):
                    raise status_error(
                        outcome,
                        method=endpoint.method,
                        path=prepared.path,
                        json_codec=self._json_codec,
                        now=now,
                    )
                raise outcome
            self._logger.info(
                "http.retry",
                endpoint=endpoint.name,
                attempt=attempt,
                delay_s=round(decision.delay_s, 3),
                reason=decision.reason,
            )
            note_retry(
                "http",
                decision.reason,
                attempt=attempt,
                delay_s=decision.delay_s,
                endpoint=endpoint.name,
            )
            await self._clock.sleep(decision.delay_s)
            attempt += 1
            if not decision.requested:
                streak += 1
            if not endpoint.idempotent and caller_key is None:
                # The endpoint asks for a fresh key when an attempt is replayed.
                own_key = new_idempotency_key(settings.idempotency_prefix)

    def _is_answer(self, endpoint: EndpointSpec, status: int) -> bool:
        # Endpoints with a redirect feature answer with the 3xx itself (its Location is the
        # result), so the redirect is returned to the caller instead of followed or raised.
        if 300 <= status < 400:
            return endpoint.name in self._redirect_endpoints
        return 200 <= status < 300

    def _cloudflare_check(
        self, outcome: HttpResponse | APIConnectionError, prepared: PreparedRequest
    ) -> HttpResponse | APIConnectionError:
        if not isinstance(outcome, HttpResponse):
            return outcome
        if 200 <= outcome.status < 300:
            self._cloudflare_budget = min(self._cloudflare_budget + 1, CLOUDFLARE_RESET_BUDGET)
        elif is_cloudflare_reset(outcome) and self._cloudflare_budget > 0:
            self._cloudflare_budget -= 1
            return APIConnectionError(
                "Connection reset by the edge proxy (400 with an empty body).",
                method=prepared.endpoint.method,
                url_path=prepared.path,
            )
        return outcome

    def _headers(
        self,
        prepared: PreparedRequest,
        key: str | None,
        attempt: int,
        fresh: Sequence[tuple[str, str]] | None,
        settings: RetryConfig,
    ) -> tuple[tuple[str, str], ...]:
        headers = prepared.headers
        if fresh is not None:
            headers = _with_fresh(prepared, fresh)
        if key is not None:
            headers += ((settings.idempotency_header, key),)
        count_header = settings.retry_count_header
        if not prepared.caller_names or count_header.lower() not in prepared.caller_names:
            headers += ((count_header, _RETRY_COUNTS[attempt] if attempt < 16 else str(attempt)),)
        trace_context = self._tracer.trace_headers()
        return headers + tuple(trace_context) if trace_context else headers

    def _note_deprecation(self, response: HttpResponse, endpoint: str) -> None:
        note = response.headers.get("x-deprecation-note")
        if not note:
            return
        level = response.headers.get("x-deprecation-level", "").strip().lower()
        log = self._logger.error if level == "error" else self._logger.warning
        log("http.deprecation", endpoint=endpoint, note=note)

    async def _attempt(
        self,
        transport: Transport,
        prepared: PreparedRequest,
        key: str | None,
        attempt: int,
        traced: bool,
        settings: RetryConfig,
    ) -> HttpResponse | APIConnectionError:
        # One frame per attempt: every I/O wake-up of the exchange passes through it.
        endpoint = prepared.endpoint
        limiter = self._limiters.get(endpoint.name) if self._limiters else None
        if limiter is not None:
            await limiter.acquire()
        breaker = self._breakers.get(endpoint.name) if self._breakers else None
        trial = breaker.acquire() if breaker is not None else False
        success: bool | None = None
        try:
            with (
                self._tracer.attempt(endpoint.method, prepared.url, attempt)
                if traced and self._tracer.enabled
                else _NO_SPAN
            ) as span:
                fresh = await self._auth() if self._auth is not None else None
                headers = self._headers(prepared, key, attempt, fresh, settings)
                if self._debug:
                    self._logger.debug(
                        "http.attempt",
                        endpoint=endpoint.name,
                        method=endpoint.method,
                        url=safe_url(prepared.url),
                        attempt=attempt,
                        headers=redact_headers(headers),
                    )
                request = HttpRequest(
                    method=endpoint.method,
                    url=prepared.url,
                    headers=headers,
                    body=prepared.body,
                    timeout_s=endpoint.timeout_s,
                    pool=endpoint.pool,
                )
                try:
                    response = await transport.send(request)
                except APIConnectionError as exc:
                    if span is not None:
                        fail(span, exc)
                    success = False
                    return exc
                if span is not None:
                    record_response(span, response.status)
                self._note_deprecation(response, endpoint.name)
                success = response.status < 500
                return response
        finally:
            if breaker is not None:
                breaker.release(success, trial=trial)
