"""Working fakes and builders for the request-pipeline tests (no sockets, virtual time)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import msgspec.json

from tinkex.adapters.memory import InMemoryPool, InMemoryTransport, json_response
from tinkex.errors import DecodeError
from tinkex.flows.billing import BillingPause
from tinkex.flows.features import BillingPauseConfig, OuterRetryConfig, RetryConfig
from tinkex.flows.invoker import PipelineInvoker
from tinkex.flows.logging import configure_logging
from tinkex.ports.endpoint import EndpointSpec
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from tinkex.adapters.clock import FakeClock
    from tinkex.flows.circuit_breaker import CircuitBreaker
    from tinkex.flows.rate_limiter import RateLimiter
    from tinkex.ports.codec import Codec

T = TypeVar("T")

BASE_URL = "https://tinker.example.test/services/tinker-prod/"
API_KEY = "tml-secretKEY0123456789abcdef"
CF_SECRET = "cf-very-secret-value-42"
AUTH_HEADERS = (("X-API-Key", API_KEY),)
CF_HEADERS = (("CF-Access-Client-Id", "cf-id"), ("CF-Access-Client-Secret", CF_SECRET))

CREATE_MODEL = EndpointSpec(
    name="service.create_model",
    method="POST",
    path="/api/v1/create_model",
    features=("retry_outer",),
)
GET_CHECKPOINT = EndpointSpec(
    name="rest.get_checkpoint",
    method="GET",
    path="/api/v1/training_runs/{run_id}/checkpoints/{checkpoint_id}",
    request_codec="none",
)
RETRIEVE = EndpointSpec(
    name="futures.retrieve",
    method="POST",
    path="/api/v1/retrieve_future",
    pool=PoolKind.RETRIEVE,
    max_retries=0,
    timeout_s=45.0,
)


class Created(msgspec.Struct, frozen=True):
    """A tiny response type."""

    model_id: str


class JsonCodec:
    """A JSON codec over msgspec.json, enough for the pipeline tests."""

    @property
    def media_type(self) -> str:
        return "application/json"

    def encode(self, obj: object, /) -> bytes:
        return msgspec.json.encode(obj)

    def decode(self, data: bytes, type_: type[T], /) -> T:
        try:
            return msgspec.json.decode(data, type=type_)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise DecodeError(str(exc)) from exc


class FakeProtoCodec:
    """Stands in for protobuf: the body is `PB:` + a model id."""

    def __init__(self) -> None:
        self.decoded: list[bytes] = []

    @property
    def media_type(self) -> str:
        return "application/x-protobuf"

    def encode(self, obj: object, /) -> bytes:
        assert isinstance(obj, Created)
        return b"PB:" + obj.model_id.encode()

    def decode(self, data: bytes, type_: type[T], /) -> T:
        self.decoded.append(data)
        value = type_(model_id=data.removeprefix(b"PB:").decode())  # type: ignore[call-arg]
        return value


def scripted(*responses: HttpResponse | BaseException) -> Callable[[HttpRequest], HttpResponse]:
    """A route handler answering with `responses` in order, repeating the last one."""
    remaining = list(responses)

    def handler(request: HttpRequest) -> HttpResponse:
        item = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        if isinstance(item, BaseException):
            raise item
        return item

    return handler


def ok(body: str = '{"model_id": "m-1"}', **headers: str) -> HttpResponse:
    """A 200 JSON response."""
    return json_response(body, headers=headers)


def status(code: int, body: str = '{"detail": "nope"}', **headers: str) -> HttpResponse:
    """An error JSON response; header names use underscores for dashes."""
    return json_response(
        body, status=code, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


def make_invoker(
    transport: InMemoryTransport,
    clock: FakeClock,
    *,
    codecs: Mapping[str, Codec] | None = None,
    outer_retry: OuterRetryConfig | None = None,
    billing: BillingPauseConfig | None = None,
    default_headers: Sequence[tuple[str, str]] = (),
    breakers: Mapping[str, CircuitBreaker] | None = None,
    limiters: Mapping[str, RateLimiter] | None = None,
    retry: RetryConfig | None = None,
    **extra: Any,
) -> PipelineInvoker:
    """Build an invoker over in-memory fakes with a seeded jitter source.

    `billing` settings get a `BillingPause` of their own (the runtime shares one instead).
    """
    pause = None
    if billing is not None:
        pause = BillingPause(
            billing, clock=clock, logger=extra.get("logger") or configure_logging()
        )
    return PipelineInvoker(
        pool=InMemoryPool(transport),
        codecs=codecs if codecs is not None else {"json": JsonCodec()},
        base_url=BASE_URL,
        auth_headers=AUTH_HEADERS,
        clock=clock,
        retry=retry if retry is not None else RetryConfig(),
        outer_retry=outer_retry,
        billing=pause,
        sdk_version="0.1.0",
        circuit_breakers=breakers,
        rate_limiters=limiters,
        rng=random.Random(7),
        default_headers=default_headers,
        **extra,
    )
