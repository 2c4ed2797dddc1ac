"""AiohttpTransport against faults a real server cannot easily produce (via aioresponses)."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import TYPE_CHECKING

import aiohttp
import pytest
import zstandard
from aioresponses import aioresponses
from aioresponses_compat import CompatResponse

from tinkex.adapters.aiohttp_transport import AiohttpTransport, translate_errors
from tinkex.errors import (
    APIConnectionError,
    APITimeoutError,
    ClosedError,
    NotFoundError,
    ValidationError,
)
from tinkex.ports.transport import HttpRequest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

URL = "http://127.0.0.1:8080/api/v1/sample"
KEY = "tml-FaultSecretKey123456"
PAYLOAD = b'{"sequences":[{"tokens":[1,2,3]}]}' * 50


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as mock:
        yield mock


@pytest.fixture
async def transport() -> AsyncIterator[AiohttpTransport]:
    transport = AiohttpTransport(limit=4)
    yield transport
    await transport.aclose()


def _request(url: str = URL, *, timeout_s: float | None = None) -> HttpRequest:
    return HttpRequest(
        method="POST",
        url=url,
        headers=(("X-API-Key", KEY), ("Content-Type", "application/json")),
        body=b"{}",
        timeout_s=timeout_s,
    )


@pytest.mark.parametrize(
    "fault",
    [
        aiohttp.ClientConnectionResetError("Connection reset by peer"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("Response payload is not completed"),
        ConnectionRefusedError(111, "Connection refused"),
        OSError("Temporary failure in name resolution"),
    ],
    ids=lambda exc: type(exc).__name__,
)
async def test_connection_faults_become_api_connection_errors(
    mocked: aioresponses, transport: AiohttpTransport, fault: Exception
) -> None:
    """Resets, disconnects, truncated payloads and OS errors map to APIConnectionError."""
    mocked.post(URL, exception=fault)
    with pytest.raises(APIConnectionError) as caught:
        await transport.send(_request())
    error = caught.value
    assert not isinstance(error, APITimeoutError)
    assert error.__cause__ is fault
    assert error.method == "POST"
    assert error.url_path == "/api/v1/sample"
    assert "POST /api/v1/sample" in str(error)
    assert type(fault).__name__ in str(error)


@pytest.mark.parametrize(
    "fault",
    [TimeoutError(), aiohttp.ServerTimeoutError("read timed out")],
    ids=lambda exc: type(exc).__name__,
)
async def test_timeouts_become_api_timeout_errors(
    mocked: aioresponses, transport: AiohttpTransport, fault: Exception
) -> None:
    """Any timeout from aiohttp maps to APITimeoutError naming the timeout."""
    mocked.post(URL, exception=fault)
    with pytest.raises(APITimeoutError, match=r"timed out after 7\.5s") as caught:
        await transport.send(_request(timeout_s=7.5))
    assert caught.value.__cause__ is fault


async def test_header_values_in_library_messages_are_scrubbed(
    mocked: aioresponses, transport: AiohttpTransport
) -> None:
    """If a library message quotes a header value, the error shows *** instead."""
    mocked.post(URL, exception=aiohttp.ClientOSError(f"proxy refused key {KEY}"))
    with pytest.raises(APIConnectionError) as caught:
        await transport.send(_request())
    assert KEY not in str(caught.value)
    assert "***" in str(caught.value)


async def test_error_statuses_are_returned(
    mocked: aioresponses, transport: AiohttpTransport
) -> None:
    """A 404 is a response, not an exception."""
    mocked.post(URL, status=404, body=b'{"detail":"no"}', response_class=CompatResponse)
    response = await transport.send(_request())
    assert response.status == 404
    assert response.body == b'{"detail":"no"}'


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("zstd", zstandard.ZstdCompressor().compress),
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),
    ],
    ids=["zstd", "gzip", "deflate-zlib", "deflate-raw"],
)
async def test_compressed_bodies_are_decoded(
    mocked: aioresponses,
    transport: AiohttpTransport,
    encoding: str,
    compress: Callable[[bytes], bytes],
) -> None:
    """zstd, gzip and both deflate flavours arrive decompressed."""
    mocked.post(
        URL,
        body=compress(PAYLOAD),
        headers={"Content-Encoding": encoding},
        response_class=CompatResponse,
    )
    response = await transport.send(_request())
    assert response.body == PAYLOAD
    assert response.headers["content-encoding"] == encoding


async def test_corrupt_compressed_body_is_a_connection_error(
    mocked: aioresponses, transport: AiohttpTransport
) -> None:
    """Bytes that are not valid zstd fail as APIConnectionError (the transfer broke)."""
    mocked.post(
        URL,
        body=b"definitely not zstd",
        headers={"Content-Encoding": "zstd"},
        response_class=CompatResponse,
    )
    with pytest.raises(APIConnectionError, match="zstd"):
        await transport.send(_request())


async def test_redirects_are_returned_unless_following(mocked: aioresponses) -> None:
    """By default a 302 is handed back; a follow_redirects transport reaches the target."""
    target = "http://127.0.0.1:8080/signed/blob"
    for _ in range(2):
        mocked.get(URL, status=302, headers={"Location": target}, response_class=CompatResponse)
    mocked.get(target, body=b"blob", response_class=CompatResponse)
    request = HttpRequest(method="GET", url=URL)
    plain, following = AiohttpTransport(), AiohttpTransport(follow_redirects=True)
    try:
        first = await plain.send(request)
        assert first.status == 302
        assert first.headers["location"] == target
        second = await following.send(request)
        assert second.status == 200
        assert second.body == b"blob"
    finally:
        await plain.aclose()
        await following.aclose()


async def test_send_after_close_raises_closed_error() -> None:
    """A closed transport refuses to send, even before its session existed."""
    transport = AiohttpTransport()
    await transport.aclose()
    await transport.aclose()
    with pytest.raises(ClosedError):
        await transport.send(_request())


async def test_timeouts_are_cached_by_value() -> None:
    """The same timeout value reuses one ClientTimeout; None uses the 60 s / 5 s default."""
    transport = AiohttpTransport()
    assert transport.timeout_for(2.0) is transport.timeout_for(2.0)
    assert transport.timeout_for(2.0).total == 2.0
    assert transport.timeout_for(2.0).connect == 2.0
    default = transport.timeout_for(None)
    assert (default.total, default.connect) == (60.0, 5.0)
    assert transport.timeout_for(30.0).connect == 5.0


def test_cancellation_and_tinkex_errors_pass_through_translation() -> None:
    """translate_errors never converts CancelledError or an error that is already ours."""
    request = _request()
    with pytest.raises(asyncio.CancelledError), translate_errors(request, 1.0):
        raise asyncio.CancelledError
    original = NotFoundError("gone", status=404)
    with pytest.raises(NotFoundError) as caught, translate_errors(request, 1.0):
        raise original
    assert caught.value is original
    with pytest.raises(ValidationError), translate_errors(request, 1.0):
        raise ValidationError("bad", field="x")


def test_client_value_errors_do_not_quote_the_value() -> None:
    """aiohttp's header-injection ValueError becomes a connection error without its text."""
    with pytest.raises(APIConnectionError) as caught, translate_errors(_request(), 1.0):
        raise ValueError(f"Newline in header value {KEY}")
    assert KEY not in str(caught.value)
    assert "ValueError" in str(caught.value)
