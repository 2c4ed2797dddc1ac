"""Small working fakes shared by the flow tests: a scripted invoker and a log capture."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec
import structlog
from structlog.testing import LogCapture

from tinkex.errors import APIConnectionError, APIStatusError, APITimeoutError, status_error_for
from tinkex.ports.endpoint import EndpointSpec, QueryValue
from tinkex.ports.transport import HttpResponse, PoolKind

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

T = TypeVar("T")

RETRIEVE_SPEC = EndpointSpec(
    name="futures.retrieve",
    method="POST",
    path="/api/v1/retrieve_future",
    pool=PoolKind.RETRIEVE,
    max_retries=10,
    timeout_s=60.0,
    features=("retry_outer", "telemetry"),
)

Step = HttpResponse | BaseException | Callable[[], Awaitable[HttpResponse]]


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """One invocation seen by the scripted invoker."""

    endpoint: EndpointSpec
    body: Any
    headers: dict[str, str]


class ScriptedInvoker:
    """An Invoker that answers from a script (responses, errors or async callables)."""

    def __init__(self, script: Sequence[Step], *, repeat_last: bool = False) -> None:
        self.script = list(script)
        self.repeat_last = repeat_last
        self.calls: list[Call] = []

    async def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        assert response_type is HttpResponse
        self.calls.append(Call(endpoint=endpoint, body=body, headers=dict(headers or {})))
        if not self.script:
            raise AssertionError("script exhausted")
        step = self.script[0] if self.repeat_last and len(self.script) == 1 else self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, HttpResponse):
            return cast("T", step)
        return cast("T", await step())


def ok_json(payload: object) -> HttpResponse:
    """A 200 JSON answer."""
    return HttpResponse(
        status=200, headers={"content-type": "application/json"}, body=json.dumps(payload).encode()
    )


def ok_proto(body: bytes) -> HttpResponse:
    """A 200 protobuf answer."""
    return HttpResponse(status=200, headers={"content-type": "application/x-protobuf"}, body=body)


def try_again(queue_state: str | None = None, reason: str | None = None) -> HttpResponse:
    """A try_again answer, optionally with a queue state."""
    payload: dict[str, object] = {"type": "try_again", "request_id": "r"}
    if queue_state is not None:
        payload["queue_state"] = queue_state
    if reason is not None:
        payload["queue_state_reason"] = reason
    return ok_json(payload)


def status(code: int, body: object = None) -> APIStatusError:
    """The tinkex status error an invoker raises for `code`."""
    return status_error_for(code)(f"Error code: {code}", status=code, body=body)


def poll_timeout() -> APITimeoutError:
    """A poll whose long-poll ran out."""
    return APITimeoutError("Request timed out.")


def connection_error() -> APIConnectionError:
    """No response at all."""
    return APIConnectionError("Connection error.")


class LooseJsonCodec:
    """A JSON codec that ignores the asked type: every body comes back as parsed JSON."""

    media_type = "application/json"

    def encode(self, obj: object, /) -> bytes:
        return json.dumps(obj).encode()

    def decode(self, data: bytes, type_: type[T], /) -> T:
        return cast("T", json.loads(data))


class RawProtobufCodec:
    """A protobuf "codec" that hands the body back as bytes (the tests compare bytes)."""

    media_type = "application/x-protobuf"

    def encode(self, obj: object, /) -> bytes:
        assert isinstance(obj, bytes)
        return obj

    def decode(self, data: bytes, type_: type[T], /) -> T:
        return cast("T", data)


JSON_CODEC = LooseJsonCodec()
PROTOBUF_CODEC = RawProtobufCodec()


def capture_logger() -> tuple[FilteringBoundLogger, LogCapture]:
    """A structlog logger whose events land in the returned capture."""
    capture = LogCapture()
    logger: FilteringBoundLogger = structlog.wrap_logger(
        None,
        processors=[capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        context_class=dict,
    )
    return logger, capture
