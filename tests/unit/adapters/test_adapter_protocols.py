"""The adapters satisfy their ports (checked by mypy --strict on this file) and start idle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.adapters.aiohttp_pool import AiohttpConnectionPool
from tinkex.adapters.aiohttp_streaming import AiohttpStreamingTransport
from tinkex.adapters.aiohttp_transport import AiohttpTransport
from tinkex.adapters.memory import InMemoryPool, InMemoryTransport
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.adapters.multipart import MultipartFormEncoder
from tinkex.ports.transport import PoolKind, Transport

if TYPE_CHECKING:
    from tinkex.ports.codec import Codec
    from tinkex.ports.multipart import MultipartEncoder
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.streaming import StreamingTransport


async def test_adapters_implement_their_ports_without_opening_connections() -> None:
    """Each adapter is usable where its port is expected, and building one opens nothing."""
    transports: list[Transport] = [AiohttpTransport(), InMemoryTransport(), AiohttpConnectionPool()]
    pools: list[ConnectionPool] = [AiohttpConnectionPool(), InMemoryPool(InMemoryTransport())]
    streaming: StreamingTransport = AiohttpStreamingTransport()
    codec: Codec = MsgspecJsonCodec()
    encoder: MultipartEncoder = MultipartFormEncoder()
    assert codec.media_type == "application/json"
    assert encoder.encode([]).body.startswith(b"--tinkex-")
    for pool in pools:
        assert pool.transport_for(PoolKind.SAMPLE) is pool.transport_for(PoolKind.SAMPLE)
        await pool.aclose()
    for transport in transports:
        await transport.aclose()
    assert isinstance(streaming, AiohttpStreamingTransport)
    await streaming.aclose()
