"""Heartbeat probe: ``/api/v1/session_heartbeat`` answers, the retired ``/heartbeat`` is 404.

Tinkex ``heartbeat_probe.exs`` (not in its run_all): a tagged session, one heartbeat through
the endpoint function, then a raw POST on the session pool without retries.
"""

from __future__ import annotations

import asyncio

from _common import parser, service_client

from tinkex import api, types
from tinkex.ports.transport import HttpRequest, PoolKind


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    async with service_client(args, tags=["tinkex-python", "heartbeat-probe"]) as service:
        session_id = await service.session_id()
        runtime = service.runtime
        beat = await api.session.heartbeat(
            runtime.invoker, types.SessionHeartbeatRequest(session_id=session_id)
        )
        print(f"session {session_id}: session_heartbeat -> {beat}")
        transport = runtime.pool.transport_for(PoolKind.SESSION)
        old = await transport.send(
            HttpRequest(
                method="POST",
                url=f"{runtime.base_url}/api/v1/heartbeat",
                headers=(*runtime.auth_headers(), ("Content-Type", "application/json")),
                body=b'{"session_id": "' + session_id.encode() + b'"}',
                pool=PoolKind.SESSION,
            )
        )
        print(f"legacy /api/v1/heartbeat -> HTTP {old.status}")
    return 0 if old.status == 404 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
