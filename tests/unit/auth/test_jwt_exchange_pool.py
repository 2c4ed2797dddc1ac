"""The token exchange travels on its own traffic class (the official SDK's auth pool)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tinkex.clients.service import ServiceClient
from tinkex.local import BackendConfig, InProcessTransport, LocalBackend
from tinkex.ports.transport import PoolKind

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.ports.transport import HttpRequest, HttpResponse

URL = "http://tinker.test"


class RecordingPool:
    """A ConnectionPool over one in-process transport that notes each request's class."""

    def __init__(self, backend: LocalBackend) -> None:
        self._transport = InProcessTransport(backend, URL, close_backend=True)
        self.sent: list[tuple[PoolKind, str, str | None]] = []

    def transport_for(self, kind: PoolKind, /) -> RecordingPool.Kind:
        return RecordingPool.Kind(self, kind)

    async def aclose(self) -> None:
        await self._transport.aclose()

    class Kind:
        def __init__(self, pool: RecordingPool, kind: PoolKind) -> None:
            self._pool, self._kind = pool, kind

        async def send(self, request: HttpRequest, /) -> HttpResponse:
            key = request.header("X-API-Key")
            self._pool.sent.append((self._kind, urlsplit(request.url).path, key))
            return await self._pool._transport.send(request)

        async def aclose(self) -> None:
            return None


async def test_the_exchange_uses_the_auth_pool_and_the_key_goes_nowhere_else(
    tmp_path: Path,
) -> None:
    pool = RecordingPool(LocalBackend(tmp_path, config=BackendConfig(jwt_auth=True)))
    async with ServiceClient(
        base_url=URL, api_key="tml-pool-key", transport=pool, telemetry=False, env={}
    ) as service:
        await service.get_server_capabilities()
    exchanges = [(kind, key) for kind, path, key in pool.sent if path.endswith("/auth/token")]
    assert exchanges == [(PoolKind.AUTH, "tml-pool-key")]
    others = [(kind, path, key) for kind, path, key in pool.sent if "/auth/" not in path]
    assert all(kind is not PoolKind.AUTH for kind, _, _ in others)
    keyed = [path for _, path, key in others if key == "tml-pool-key"]
    assert keyed == ["/api/v1/client/config"]  # before JWT mode is known
    assert all(key and key.startswith("eyJ") for _, path, key in others if path not in keyed)
