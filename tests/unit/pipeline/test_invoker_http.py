"""PipelineInvoker over the in-memory transport: URLs, headers, codecs, HTTP-level retries."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from pipeline_fakes import (
    API_KEY,
    CF_HEADERS,
    CREATE_MODEL,
    GET_CHECKPOINT,
    RETRIEVE,
    Created,
    FakeProtoCodec,
    JsonCodec,
    make_invoker,
    ok,
    scripted,
    status,
)

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryTransport
from tinkex.domain.headers import sdk_method
from tinkex.domain.urls import build_url
from tinkex.errors import (
    APIConnectionError,
    BadRequestError,
    ConfigError,
    DecodeError,
    InternalServerError,
    RateLimitError,
    ValidationError,
)
from tinkex.ports.endpoint import EndpointSpec, Invoker
from tinkex.ports.transport import HttpResponse, PoolKind
from tinkex.testing import RecordingTelemetrySink

if TYPE_CHECKING:
    from tinkex.ports.codec import Codec

KEY_FORMAT = re.compile(r"stainless-python-retry-[0-9a-f]{32}")


def setup(*responses: HttpResponse | BaseException) -> tuple[InMemoryTransport, FakeClock]:
    transport = InMemoryTransport()
    transport.route("POST", "/services/tinker-prod/api/v1/create_model", scripted(*responses))
    return transport, FakeClock()


async def test_success_decodes_json_and_sends_the_full_header_set() -> None:
    """A 200 is decoded into the response type and the request carries every header."""
    transport, clock = setup(ok())
    invoker = make_invoker(transport, clock, default_headers=CF_HEADERS)
    with sdk_method("ServiceClient.create_lora_training_client"):
        result = await invoker.invoke(CREATE_MODEL, {"base_model": "m"}, response_type=Created)
    assert result == Created(model_id="m-1")
    (sent,) = transport.sent
    assert sent.url == "https://tinker.example.test/services/tinker-prod/api/v1/create_model"
    assert sent.body == b'{"base_model":"m"}'
    assert sent.timeout_s == 60.0
    assert sent.header("X-API-Key") == API_KEY
    assert sent.header("CF-Access-Client-Secret") == CF_HEADERS[1][1]
    assert sent.header("Content-Type") == "application/json"
    assert sent.header("Accept") == "application/json"
    assert sent.header("User-Agent") == "AsyncTinkex/Python 0.1.0"
    assert sent.header("x-sdk-version") == "0.1.0"
    assert sent.header("x-sdk-method") == "ServiceClient.create_lora_training_client"
    assert sent.header("x-stainless-retry-count") == "0"
    assert sent.header("x-stainless-read-timeout") == "60"
    assert KEY_FORMAT.fullmatch(sent.header("X-Idempotency-Key") or "")


async def test_every_attempt_reuses_one_idempotency_key_and_counts_retries() -> None:
    """Retried attempts of one logical call share the key and number themselves."""
    transport, clock = setup(status(500), status(503), ok())
    result = await make_invoker(transport, clock).invoke(CREATE_MODEL, {}, response_type=Created)
    assert result.model_id == "m-1"
    keys = {r.header("X-Idempotency-Key") for r in transport.sent}
    assert len(keys) == 1
    assert [r.header("x-stainless-retry-count") for r in transport.sent] == ["0", "1", "2"]
    assert len(clock.sleeps) == 2


async def test_each_logical_call_gets_a_new_key_and_a_caller_key_wins() -> None:
    """Separate invocations get separate keys; a caller-supplied key is used verbatim."""
    transport, clock = setup(ok())
    invoker = make_invoker(transport, clock)
    await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    await invoker.invoke(
        CREATE_MODEL, {}, response_type=Created, headers={"x-idempotency-key": "mine"}
    )
    keys = [r.header("X-Idempotency-Key") for r in transport.sent]
    assert keys[0] != keys[1]
    assert keys[2] == "mine"
    assert [k for k, _ in transport.sent[2].headers].count("x-idempotency-key") == 1


async def test_retry_after_header_sets_the_exact_delay() -> None:
    """A 429 with retry-after-ms sleeps exactly that long before the next attempt."""
    transport, clock = setup(status(429, retry_after_ms="1500"), status(429, retry_after="7"), ok())
    await make_invoker(transport, clock).invoke(CREATE_MODEL, {}, response_type=Created)
    assert clock.sleeps == [1.5, 7.0]


async def test_x_should_retry_false_stops_retrying_a_500() -> None:
    """The server's veto turns a retryable status into a final error."""
    transport, clock = setup(status(500, x_should_retry="false"), ok())
    with pytest.raises(InternalServerError):
        await make_invoker(transport, clock).invoke(CREATE_MODEL, {}, response_type=Created)
    assert len(transport.sent) == 1
    assert clock.sleeps == []


async def test_max_retries_zero_makes_a_single_attempt() -> None:
    """An endpoint with max_retries=0 never retries, even a 503."""
    transport = InMemoryTransport()
    transport.route("POST", ".*/retrieve_future", scripted(status(503), ok()))
    clock = FakeClock()
    with pytest.raises(InternalServerError):
        await make_invoker(transport, clock).invoke(RETRIEVE, {}, response_type=Created)
    assert len(transport.sent) == 1
    assert transport.sent[0].timeout_s == 45.0
    assert transport.sent[0].pool is PoolKind.RETRIEVE


async def test_exhausted_retries_raise_the_status_class_with_status_body_and_id() -> None:
    """After max_retries the last status is raised as its typed error."""
    spec = EndpointSpec(name="x.y", method="POST", path="/api/v1/create_model", max_retries=3)
    body = '{"detail": "slow down", "category": "server"}'
    transport, clock = setup(status(429, body, x_request_id="req-77"))
    with pytest.raises(RateLimitError) as caught:
        await make_invoker(transport, clock).invoke(spec, {}, response_type=Created)
    error = caught.value
    assert len(transport.sent) == 4
    assert error.status == 429
    assert error.body == {"detail": "slow down", "category": "server"}
    assert error.request_id == "req-77"
    assert error.message == f"Error code: 429 - {body}"
    assert error.url_path == "/services/tinker-prod/api/v1/create_model"
    assert API_KEY not in repr(error.__dict__)


async def test_error_message_truncates_a_huge_body_to_two_kilobytes() -> None:
    """A large error body is cut in the message; non-JSON bodies stay text."""
    transport, clock = setup(HttpResponse(status=400, body=b"x" * 10_000))
    with pytest.raises(BadRequestError) as caught:
        await make_invoker(transport, clock).invoke(CREATE_MODEL, {}, response_type=Created)
    assert caught.value.message == "Error code: 400 - " + "x" * 2048
    assert caught.value.body == "x" * 2048


async def test_connection_errors_are_retried_then_raised() -> None:
    """No-response failures are retried and the last one surfaces unchanged."""
    failure = APIConnectionError("Connection error.")
    transport, clock = setup(failure)
    spec = EndpointSpec(name="x.y", method="POST", path="/api/v1/create_model", max_retries=2)
    with pytest.raises(APIConnectionError) as caught:
        await make_invoker(transport, clock).invoke(spec, {}, response_type=Created)
    assert caught.value is failure
    assert len(transport.sent) == 3


async def test_path_params_keep_slashes_and_query_is_encoded() -> None:
    """Checkpoint ids with slashes are inserted verbatim; other characters are escaped."""
    transport = InMemoryTransport()
    transport.route("GET", ".*", scripted(ok()))
    clock = FakeClock()
    await make_invoker(transport, clock).invoke(
        GET_CHECKPOINT,
        None,
        response_type=Created,
        path_params={"run_id": "run a?b#c", "checkpoint_id": "weights/ckpt-1"},
        query={"limit": 5, "verbose": True, "deep": False, "cursor": None, "q": "a b&c"},
    )
    (sent,) = transport.sent
    parts = urlsplit(sent.url)
    assert parts.path == (
        "/services/tinker-prod/api/v1/training_runs/run%20a%3Fb%23c/checkpoints/weights/ckpt-1"
    )
    assert parts.query == "limit=5&verbose=true&deep=false&q=a+b%26c"
    assert sent.body is None
    assert sent.header("Content-Type") is None
    assert sent.header("X-Idempotency-Key") is None


def test_build_url_normalises_slashes_and_requires_every_param() -> None:
    """Base URLs with or without a trailing slash give the same URL."""
    assert build_url("https://h/p", "/a/{x}", {"x": "1"}, None) == "https://h/p/a/1"
    assert build_url("https://h/p/", "a/{x}", {"x": "tml:x@y"}, {}) == "https://h/p/a/tml:x@y"
    with pytest.raises(ValidationError):
        build_url("https://h", "/a/{x}", {}, None)


async def test_protobuf_responses_are_decoded_by_content_type() -> None:
    """application/x-protobuf bodies go to the protobuf codec, others to JSON."""
    proto = FakeProtoCodec()
    transport, clock = setup(
        HttpResponse(
            status=200,
            headers={"content-type": "application/x-protobuf"},
            body=b"PB:from-proto",
        ),
        ok(),
    )
    invoker = make_invoker(transport, clock, codecs={"json": JsonCodec(), "protobuf": proto})
    first = await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    second = await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    assert first == Created(model_id="from-proto")
    assert second == Created(model_id="m-1")
    assert proto.decoded == [b"PB:from-proto"]


async def test_protobuf_requests_are_encoded_and_accept_is_negotiated() -> None:
    """request_codec/accept=protobuf pick the codec and the media types."""
    spec = EndpointSpec(
        name="training.forward_backward",
        method="POST",
        path="/api/v1/create_model",
        request_codec="protobuf",
        accept="protobuf",
    )
    transport, clock = setup(ok())
    codecs: dict[str, Codec] = {"json": JsonCodec(), "protobuf": FakeProtoCodec()}
    await make_invoker(transport, clock, codecs=codecs).invoke(
        spec, Created(model_id="abc"), response_type=Created
    )
    (sent,) = transport.sent
    assert sent.body == b"PB:abc"
    assert sent.header("Content-Type") == "application/x-protobuf"
    assert sent.header("Accept") == "application/x-protobuf"


async def test_raw_response_bytes_and_none_response_types() -> None:
    """HttpResponse returns the response itself, bytes the body, None nothing."""
    transport, clock = setup(ok("{}"))
    invoker = make_invoker(transport, clock)
    raw = await invoker.invoke(CREATE_MODEL, {}, response_type=HttpResponse)
    assert raw.status == 200
    assert await invoker.invoke(CREATE_MODEL, {}, response_type=bytes) == b"{}"
    nothing: object = await invoker.invoke(CREATE_MODEL, {}, response_type=type(None))
    assert nothing is None


async def test_a_mismatched_body_raises_decode_error() -> None:
    """A 2xx whose body does not fit the type raises DecodeError, without retrying."""
    transport, clock = setup(ok('{"other": 1}'))
    with pytest.raises(DecodeError):
        await make_invoker(transport, clock).invoke(CREATE_MODEL, {}, response_type=Created)
    assert len(transport.sent) == 1


async def test_final_failure_emits_one_telemetry_event_without_secrets() -> None:
    """A final status error is reported once, with status and endpoint only."""
    telemetry = RecordingTelemetrySink()
    transport, clock = setup(status(400, '{"detail": "bad"}'))
    invoker = make_invoker(transport, clock, telemetry=telemetry)
    with pytest.raises(BadRequestError):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
    (event,) = telemetry.events
    assert event.event == "GENERIC_EVENT"
    assert event.event_name == "PipelineInvoker.invoke.api_status_error"
    assert event.event_data["status"] == 400
    assert event.event_data["endpoint"] == "service.create_model"
    assert API_KEY not in repr(event)


@pytest.mark.parametrize("pool", [PoolKind.TELEMETRY, PoolKind.RETRIEVE])
async def test_self_reporting_pools_send_no_failure_telemetry(pool: PoolKind) -> None:
    """Telemetry uploads and future polls never report their own failures as events."""
    telemetry = RecordingTelemetrySink()
    spec = EndpointSpec(name="x.y", method="POST", path="/api/v1/create_model", pool=pool)
    transport, clock = setup(status(408), status(400))
    invoker = make_invoker(transport, clock, telemetry=telemetry)
    with pytest.raises(BadRequestError):
        await invoker.invoke(spec, {}, response_type=Created)
    assert telemetry.events == []


def test_pipeline_invoker_satisfies_the_invoker_port() -> None:
    """The invoker type-checks as the Invoker port (checked by mypy)."""
    port: Invoker = make_invoker(InMemoryTransport(), FakeClock())
    assert callable(port.invoke)


async def test_missing_codecs_raise_typed_errors() -> None:
    """A protobuf request or response without a protobuf codec fails with a tinkex error."""
    spec = EndpointSpec(
        name="training.forward_backward",
        method="POST",
        path="/api/v1/create_model",
        request_codec="protobuf",
    )
    transport, clock = setup(
        HttpResponse(status=200, headers={"content-type": "application/x-protobuf"}, body=b"x")
    )
    invoker = make_invoker(transport, clock)
    with pytest.raises(ConfigError):
        await invoker.invoke(spec, Created(model_id="a"), response_type=Created)
    assert transport.sent == []
    with pytest.raises(DecodeError, match="no protobuf codec"):
        await invoker.invoke(CREATE_MODEL, {}, response_type=Created)
