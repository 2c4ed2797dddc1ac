"""`PipelineInvoker`: the Invoker every generated endpoint function calls.

One logical call: build the URL and headers, encode the body, then (inside a
``tinker <endpoint>`` span) run the HTTP retry loop, wrapped in the outer retry and billing
pause for endpoints whose manifest entry lists the ``retry_outer`` feature; finally decode the
2xx body with the codec its content type names. A final failure is logged, reported to
telemetry (status and endpoint only) and raised as the tinkex error it is. With a tracer or a
meter installed, the call is also measured (`tinkex.flows.otel_metrics`): its duration and
outcome, the calls and body bytes in flight, and the tokens of accepted training requests.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from tinkex.domain.form_parts import MULTIPART_MEDIA_TYPE, encode_form
from tinkex.domain.headers import (
    base_headers,
    current_sdk_method,
    detect_platform,
    request_headers,
)
from tinkex.domain.urls import build_url
from tinkex.errors import APIStatusError, DecodeError, TinkexError
from tinkex.flows.features import OUTER_RETRY_FEATURE
from tinkex.flows.logging import configure_logging, debug_enabled
from tinkex.flows.observability import adopt_ids, measured_call
from tinkex.flows.otel_metrics import ClientInstruments
from tinkex.flows.outer_retry import run_outer
from tinkex.flows.retrying import HttpRetrier, PreparedRequest, idempotency_key_in
from tinkex.flows.tracing import PipelineTracer, ids_in
from tinkex.ports.telemetry import Severity, TelemetryEvent
from tinkex.ports.transport import HttpResponse, PoolKind

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
    from typing import TypeAlias

    from opentelemetry.trace import Tracer
    from structlog.typing import FilteringBoundLogger

    from tinkex.flows.billing import BillingPause
    from tinkex.flows.circuit_breaker import CircuitBreaker
    from tinkex.flows.features import OuterRetryConfig, RetryConfig
    from tinkex.flows.rate_limiter import RateLimiter
    from tinkex.ports.clock import Clock
    from tinkex.ports.codec import Codec
    from tinkex.ports.endpoint import EndpointSpec, QueryValue
    from tinkex.ports.multipart import MultipartBody, MultipartEncoder
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.telemetry import TelemetrySink

JSON_MEDIA_TYPE = "application/json"

__all__ = ["OUTER_RETRY_FEATURE", "PipelineInvoker"]

T = TypeVar("T")


# Failures of these traffic classes are reported by their own flows (the future poller treats
# 408/410 as protocol, not failure) or would feed back into themselves (telemetry upload), so
# the invoker logs them at debug level and sends no telemetry event.
_SELF_REPORTING_POOLS = frozenset({PoolKind.RETRIEVE, PoolKind.TELEMETRY})
# Endpoints x body media types x SDK methods: a few hundred at most; the bound only guards
# against endpoint specs built afresh per call.
_HEADER_CACHE_SIZE = 1024
_NO_NAMES: frozenset[str] = frozenset()

if TYPE_CHECKING:
    Headers: TypeAlias = tuple[tuple[str, str], ...]
    # Merged headers, their position by lower-cased name, and the idempotency key among them.
    _Shared: TypeAlias = tuple[Headers, dict[str, int], str | None]


def _merge_onto(shared: Headers, index: Mapping[str, int], extra: Mapping[str, str]) -> Headers:
    """`merge_headers(shared, extra.items())`, using the precomputed positions of `shared`.

    A header of `extra` replaces the same-named one of `shared` in place (keeping its
    position, taking the new spelling); new names follow in their order.
    """
    merged = list(shared)
    added: dict[str, tuple[str, str]] = {}
    for name, value in extra.items():
        lowered = name.lower()
        position = index.get(lowered)
        if position is None:
            added[lowered] = (name, value)
        else:
            merged[position] = (name, value)
    return (*merged, *added.values())


class PipelineInvoker:
    """Run endpoint calls through headers, codecs, retries, limits, logging and tracing.

    Args:
        pool: One transport per traffic class.
        codecs: Codecs by manifest name (``json``, ``protobuf``).
        base_url: Service root URL.
        auth_headers: Credential headers, sent on every request; values are secrets.
        clock: Time and sleeping.
        retry: The HTTP-level retry policy (rules, backoff, header names).
        outer_retry: Outer retry layer, or None to disable it.
        billing: The billing pause shared by everything of one ServiceClient, or None to
            raise 402 immediately.
        sdk_version: Reported in `User-Agent` and `x-sdk-version`.
        telemetry: Receives one event per final failure, or None.
        tracer: OpenTelemetry tracer; None uses the global provider's.
        instruments: OpenTelemetry metric instruments; None uses the global provider's.
        logger: Structlog logger; None uses tinkex's (`tinkex.flows.logging`).
        circuit_breakers: Breakers by endpoint name (only endpoints that have one).
        rate_limiters: Token buckets by endpoint name (only endpoints that have one).
        rng: Source of backoff jitter (seed it in tests).
        default_headers: Extra headers for every request (e.g. Cloudflare Access).
        auth_provider: Called before every attempt for credential headers that change over
            time (a refreshed JWT); they replace same-named `auth_headers`.
        redirect_endpoints: Endpoints whose 3xx answer is the result.
        endpoint_retry: Retry policies by endpoint name, where an endpoint's manifest entry
            names another ``retry_policy`` block than the one `retry` came from.
        sdk_method_headers: Send ``x-sdk-version`` / ``x-sdk-method`` (False for servers of
            the JSON era, whose SDK had neither).
        multipart: Encodes the bodies of endpoints whose manifest body is ``multipart``.
    """

    def __init__(
        self,
        *,
        pool: ConnectionPool,
        codecs: Mapping[str, Codec],
        base_url: str,
        auth_headers: Sequence[tuple[str, str]],
        clock: Clock,
        retry: RetryConfig,
        outer_retry: OuterRetryConfig | None,
        billing: BillingPause | None,
        sdk_version: str,
        telemetry: TelemetrySink | None = None,
        tracer: Tracer | None = None,
        instruments: ClientInstruments | None = None,
        logger: FilteringBoundLogger | None = None,
        circuit_breakers: Mapping[str, CircuitBreaker] | None = None,
        rate_limiters: Mapping[str, RateLimiter] | None = None,
        rng: random.Random | None = None,
        default_headers: Sequence[tuple[str, str]] = (),
        auth_provider: Callable[[], Awaitable[Sequence[tuple[str, str]]]] | None = None,
        redirect_endpoints: Collection[str] = (),
        endpoint_retry: Mapping[str, RetryConfig] | None = None,
        sdk_method_headers: bool = True,
        multipart: MultipartEncoder | None = None,
    ) -> None:
        self._codecs = dict(codecs)
        self._multipart = multipart
        self._sdk_method_headers = sdk_method_headers
        self._base_url = base_url
        self._clock = clock
        self._outer = outer_retry
        self._telemetry = telemetry
        self._logger = logger if logger is not None else configure_logging()
        # Asked once, as the retry loop does: failures of poll-like calls are logged at debug.
        self._debug = debug_enabled(self._logger)
        self._tracer = PipelineTracer(tracer)
        self._meters = instruments if instruments is not None else ClientInstruments()
        self._billing = billing
        self._rng = rng if rng is not None else random.Random()
        identification = base_headers(sdk_version, platform_info=detect_platform())
        self._common = (*identification, *default_headers, *auth_headers)
        self._urls: dict[str, tuple[str, str]] = {}
        self._names: dict[tuple[str, ...], frozenset[str]] = {}
        self._headers: dict[tuple[EndpointSpec, str | None, str | None], _Shared] = {}
        self._retrier = HttpRetrier(
            pool=pool,
            clock=clock,
            settings=retry,
            rng=self._rng,
            tracer=self._tracer,
            logger=self._logger,
            breakers=dict(circuit_breakers or {}),
            limiters=dict(rate_limiters or {}),
            json_codec=self._codecs.get("json"),
            auth=auth_provider,
            redirect_endpoints=frozenset(redirect_endpoints),
            endpoint_settings=endpoint_retry,
        )

    def __repr__(self) -> str:
        # Never show the credential headers.
        return f"PipelineInvoker(base_url={self._base_url!r})"

    def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Coroutine[Any, Any, T]:
        """Send one logical call of `endpoint` and decode its response (a coroutine).

        Args:
            endpoint: The endpoint description.
            body: The request object (bytes are sent as they are), or None for no body.
            response_type: What to decode into; `HttpResponse` returns the raw response,
                `bytes` the raw body, `None` ignores the body.
            path_params: Values of the path placeholders.
            query: Query parameters.
            headers: Extra headers for this call (they win over every other source).

        Returns:
            The decoded response.

        Raises:
            APIStatusError: The service answered with an error status (after retries).
            APIConnectionError: No response arrived (after retries).
            CircuitOpenError: The endpoint's circuit breaker is open.
            DecodeError: The response does not match `response_type` (or no codec reads it).
            ConfigError: No codec is configured for the endpoint's request codec.
            ValidationError: A path parameter is missing.
        """
        if (
            response_type is HttpResponse
            and endpoint.pool in _SELF_REPORTING_POOLS
            and not self._debug
            and self._plain(endpoint)
            and not (self._tracer.enabled or self._meters.enabled)
        ):
            # A raw poll (retrieve_future): nothing to decode, and a failure is its poller's
            # to report (here it would only be a debug line, which is off). The retry loop's
            # own coroutine is returned: one frame fewer under every long-poll in flight.
            send: Coroutine[Any, Any, Any] = self._retrier.send(
                self._prepare(endpoint, body, path_params, query, headers), traced=False
            )
            return send
        return self._invoke(endpoint, body, response_type, path_params, query, headers)

    async def _invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        response_type: type[T],
        path_params: Mapping[str, str] | None,
        query: Mapping[str, QueryValue] | None,
        headers: Mapping[str, str] | None,
    ) -> T:
        prepared = self._prepare(endpoint, body, path_params, query, headers)
        if self._tracer.enabled or self._meters.enabled:
            return await self._observed(prepared, (path_params, body), response_type)
        # Neither traced nor measured (the default): the same steps as `_call`, one coroutine
        # frame fewer, which every I/O wake-up of the request would otherwise pass through.
        try:
            if self._plain(endpoint):
                response = await self._retrier.send(prepared, traced=False)
            else:
                response = await self._send_outer(prepared, traced=False)
            return self._decode(response, response_type, prepared)
        except (TinkexError, TimeoutError) as exc:
            self._report_failure(endpoint, exc)
            raise

    async def _observed(
        self,
        prepared: PreparedRequest,
        sources: tuple[Mapping[str, str] | None, object],
        response_type: type[T],
    ) -> T:
        # `sources`: the path parameters and the body, where the call's Tinker ids are.
        path_params, body = sources
        meters = self._meters if self._meters.enabled else None
        with measured_call(meters, prepared.endpoint, prepared.body, self._clock):
            if not self._tracer.enabled:
                result = await self._call(prepared, response_type, traced=False)
            else:
                ids = {**ids_in(path_params), **ids_in(body)}
                adopt_ids(ids)
                with self._tracer.logical(prepared.endpoint, ids) as span:
                    result = await self._call(prepared, response_type, traced=True)
                    span.set_attributes(ids_in(result))
        if meters is not None:
            meters.count_trained(body)
        return result

    async def _call(self, prepared: PreparedRequest, response_type: type[T], *, traced: bool) -> T:
        try:
            if self._plain(prepared.endpoint):
                response = await self._retrier.send(prepared, traced=traced)
            else:
                response = await self._send_outer(prepared, traced=traced)
            return self._decode(response, response_type, prepared)
        except (TinkexError, TimeoutError) as exc:
            self._report_failure(prepared.endpoint, exc)
            raise

    def _prepare(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        path_params: Mapping[str, str] | None,
        query: Mapping[str, QueryValue] | None,
        headers: Mapping[str, str] | None,
    ) -> PreparedRequest:
        if path_params or query:
            url = build_url(self._base_url, endpoint.path, path_params, query)
            path = urlsplit(url).path
        else:
            url, path = self._plain_url(endpoint)
        payload: bytes | None = None
        content_type: str | None = None
        form: MultipartBody | None = None
        if (
            body is not None
            and endpoint.request_codec not in ("none", "")
            and (endpoint.method != "GET")
        ):
            codec = self._codecs.get(endpoint.request_codec)
            if codec is not None:
                payload = body if isinstance(body, bytes) else codec.encode(body)
                content_type = codec.media_type
            else:
                # No codec: a multipart body (or a manifest/codec mismatch, a ConfigError).
                form = encode_form(self._multipart, endpoint, body)
                payload, content_type = form.body, MULTIPART_MEDIA_TYPE
        elif endpoint.method != "GET":
            # A body-less POST/PUT/DELETE still says JSON, as the official SDK's does; left
            # out, the HTTP library would label it application/octet-stream.
            content_type = JSON_MEDIA_TYPE
        shared, index, static_key = self._shared_headers(endpoint, content_type)
        if form is not None:
            # The boundary is new for every body, so the cached headers carry the bare media
            # type and this body's Content-Type replaces it in place.
            shared = _merge_onto(shared, index, {"Content-Type": form.content_type})
        caller_key = static_key
        if headers:
            shared = _merge_onto(shared, index, headers)
            key_header = self._retrier.settings_for(endpoint).idempotency_header
            passed = idempotency_key_in(headers.items(), key_header)
            caller_key = passed if passed is not None else static_key
        return PreparedRequest(
            endpoint=endpoint,
            url=url,
            body=payload,
            headers=shared,
            path=path,
            caller_names=self._caller_names(headers) if headers else _NO_NAMES,
            known_caller_key=caller_key,
        )

    def _caller_names(self, headers: Mapping[str, str]) -> frozenset[str]:
        # The lower-cased names of a call's own headers; calls repeat the same few sets (a
        # poll's), so each set is built once and shared instead of once per call.
        key = tuple(headers)
        names = self._names.get(key)
        if names is None:
            if len(self._names) >= _HEADER_CACHE_SIZE:
                self._names.clear()
            names = self._names[key] = frozenset(name.lower() for name in key)
        return names

    def _plain_url(self, endpoint: EndpointSpec) -> tuple[str, str]:
        # The URL of an endpoint without path parameters or query never changes.
        cached = self._urls.get(endpoint.path)
        if cached is None:
            url = build_url(self._base_url, endpoint.path, None, None)
            cached = self._urls[endpoint.path] = (url, urlsplit(url).path)
        return cached

    def _shared_headers(self, endpoint: EndpointSpec, content_type: str | None) -> _Shared:
        # Everything but the caller's own headers depends only on the endpoint, the body's
        # media type and the SDK method in progress, so it is merged once per combination.
        method = current_sdk_method.get() if self._sdk_method_headers else None
        key = (endpoint, content_type, method)
        cached = self._headers.get(key)
        if cached is None:
            if len(self._headers) >= _HEADER_CACHE_SIZE:
                self._headers.clear()
            merged = tuple(
                request_headers(
                    self._common,
                    accept=endpoint.accept,
                    content_type=content_type,
                    timeout_s=endpoint.timeout_s,
                    endpoint_headers=endpoint.headers,
                    caller_headers=(),
                    sdk_method=method,
                )
            )
            index = {name.lower(): position for position, (name, _) in enumerate(merged)}
            key_header = self._retrier.settings_for(endpoint).idempotency_header
            cached = self._headers[key] = (merged, index, idempotency_key_in(merged, key_header))
        return cached

    def _plain(self, endpoint: EndpointSpec) -> bool:
        # True when the endpoint is sent without the outer retry / billing pause layer.
        return OUTER_RETRY_FEATURE not in endpoint.features or (
            self._outer is None and self._billing is None
        )

    def _send_outer(self, prepared: PreparedRequest, *, traced: bool) -> Awaitable[HttpResponse]:
        return run_outer(
            lambda: self._retrier.send(prepared, traced=traced),
            endpoint=prepared.endpoint.name,
            clock=self._clock,
            outer=self._outer,
            billing=self._billing,
            logger=self._logger,
            jitter=self._rng,
        )

    def _decode(
        self, response: HttpResponse, response_type: type[T], prepared: PreparedRequest
    ) -> T:
        try:
            return self._decode_body(response, response_type)
        except DecodeError as exc:
            if exc.url_path is not None:
                raise
            # Which endpoint answered badly belongs in the error: the codec cannot know it.
            raise DecodeError(
                f"{prepared.endpoint.method} {prepared.path}: {exc}",
                path=exc.path,
                method=prepared.endpoint.method,
                url_path=prepared.path,
            ) from exc

    def _decode_body(self, response: HttpResponse, response_type: type[T]) -> T:
        raw: object
        if response_type is HttpResponse:
            raw = response
        elif response_type is bytes:
            raw = response.body
        elif response_type is type(None):
            raw = None
        else:
            name = "protobuf" if response.content_type == "application/x-protobuf" else "json"
            codec = self._codecs.get(name)
            if codec is None:
                raise DecodeError(f"no {name} codec for a {response.content_type!r} response")
            return codec.decode(response.body, response_type)
        return cast("T", raw)

    def _report_failure(self, endpoint: EndpointSpec, error: BaseException) -> None:
        status = error.status if isinstance(error, APIStatusError) else None
        # All status errors share one event name; the status field tells them apart.
        kind = "api_status_error" if status is not None else _snake(type(error).__name__)
        fields: dict[str, Any] = {
            "endpoint": endpoint.name,
            "method": endpoint.method,
            "path": endpoint.path,
            "error_type": type(error).__name__,
            "status": status,
        }
        if isinstance(error, APIStatusError) and error.request_id is not None:
            fields["request_id"] = error.request_id
        if endpoint.pool in _SELF_REPORTING_POOLS:
            self._logger.debug("http.error", **fields)
            return
        self._logger.warning("http.error", **fields)
        if self._telemetry is None:
            return
        user_error = status is not None and 400 <= status < 500
        self._telemetry.emit(
            TelemetryEvent(
                event="GENERIC_EVENT",
                severity=Severity.WARNING if user_error else Severity.ERROR,
                event_name=f"PipelineInvoker.invoke.{kind}",
                event_data=fields,
            )
        )


def _snake(name: str) -> str:
    """`APIStatusError` -> `api_status_error`, `CircuitOpenError` -> `circuit_open_error`."""
    out: list[str] = []
    for index, char in enumerate(name):
        if (
            char.isupper()
            and index > 0
            and (
                not name[index - 1].isupper()
                or (index + 1 < len(name) and name[index + 1].islower())
            )
        ):
            out.append("_")
        out.append(char.lower())
    return "".join(out)
