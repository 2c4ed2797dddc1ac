"""Malformed answers from a server give typed tinkex errors with context, never bare exceptions.

Each case runs a real client over the embedded backend (`tinkex.testing.local_service`) with one
endpoint's next answer replaced by something a broken or hostile server could send: a field of
the wrong type, truncated JSON, an HTML page, protobuf garbage, an error status with an HTML
body. The call must raise a `TinkexError` subclass (a `DecodeError` naming the endpoint and,
where the body parsed, the JSON path of the mismatch) within a bounded time.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from tinkex import types
from tinkex.errors import APIStatusError, DecodeError, TinkexError
from tinkex.testing import ScriptedTransport, local_service, respond

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tinkex.clients.service import ServiceClient
    from tinkex.ports.transport import HttpResponse

MODEL = "tinkex/tiny-byte-lm"
HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
TRUNCATED = b'{"supported_models": [{"model_name": "tin'


def _datum() -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
    )


async def _capabilities(service: ServiceClient, transport: ScriptedTransport) -> object:
    return await service.get_server_capabilities()


async def _forward_backward(service: ServiceClient, transport: ScriptedTransport) -> object:
    training = await service.create_lora_training_client(MODEL, rank=4)
    transport.script("POST", "/api/v1/retrieve_future", _ANSWER.pop())
    return await training.forward_backward([_datum()], "cross_entropy")


async def _sample(service: ServiceClient, transport: ScriptedTransport) -> object:
    sampler = await service.create_sampling_client(base_model=MODEL)
    transport.script("POST", "/api/v1/retrieve_future", _ANSWER.pop())
    return await sampler.sample(
        types.ModelInput.from_ints([1, 2, 3]),
        num_samples=1,
        sampling_params=types.SamplingParams(max_tokens=2),
    )


# The answer a retrieve_future case scripts once its client exists (set per case below).
_ANSWER: list[HttpResponse] = []

CASES: list[tuple[str, str, str, HttpResponse | None, Callable[..., Awaitable[object]], type]] = [
    (
        "capabilities: a field of the wrong type",
        "GET",
        "/api/v1/get_server_capabilities",
        respond(200, {"supported_models": "all of them"}),
        _capabilities,
        DecodeError,
    ),
    (
        "capabilities: truncated JSON",
        "GET",
        "/api/v1/get_server_capabilities",
        respond(200, body=TRUNCATED),
        _capabilities,
        DecodeError,
    ),
    (
        "capabilities: an HTML page with status 200",
        "GET",
        "/api/v1/get_server_capabilities",
        respond(200, body=HTML, headers={"content-type": "text/html"}),
        _capabilities,
        DecodeError,
    ),
    (
        "capabilities: a 400 whose body is HTML",
        "GET",
        "/api/v1/get_server_capabilities",
        respond(400, body=HTML, headers={"content-type": "text/html"}),
        _capabilities,
        APIStatusError,
    ),
    (
        "forward_backward result: metrics of the wrong type",
        "",
        "",
        respond(200, {"metrics": "fast", "loss_fn_outputs": [], "loss_fn_output_type": "x"}),
        _forward_backward,
        DecodeError,
    ),
    (
        "forward_backward result: protobuf garbage",
        "",
        "",
        respond(
            200, body=b"\xff\xfe\x00garbage", headers={"content-type": "application/x-protobuf"}
        ),
        _forward_backward,
        DecodeError,
    ),
    (
        "sample result: sequences of the wrong shape",
        "",
        "",
        respond(200, {"type": "sample", "sequences": [{"tokens": "abc"}]}),
        _sample,
        DecodeError,
    ),
    (
        "sample result: truncated JSON",
        "",
        "",
        respond(200, body=b'{"type": "sample", "sequences": [{"tok'),
        _sample,
        DecodeError,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "answer", "call", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
async def test_a_malformed_answer_raises_a_typed_error_with_context(
    method: str,
    path: str,
    answer: HttpResponse,
    call: Callable[[ServiceClient, ScriptedTransport], Awaitable[object]],
    expected: type[TinkexError],
) -> None:
    transport = ScriptedTransport()
    _ANSWER.clear()
    if method:
        transport.script(method, path, answer)
    else:
        _ANSWER.append(answer)
    async with local_service(transport=transport) as service:
        with pytest.raises(TinkexError) as caught:
            await asyncio.wait_for(call(service, transport), timeout=30)
    error = caught.value
    assert isinstance(error, expected), repr(error)
    if isinstance(error, DecodeError):
        # Which endpoint answered badly is part of the error.
        assert error.url_path, repr(error)
        assert error.url_path.startswith("/api/v1/"), error.url_path
    if isinstance(error, APIStatusError):
        assert error.status == 400
