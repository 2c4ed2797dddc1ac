"""The heartbeat thread's own connection: a small aiohttp pool and pipeline on that thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex import api
from tinkex.adapters.aiohttp_pool import AiohttpConnectionPool, PoolLimits
from tinkex.adapters.clock import SystemClock
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.domain.types import SessionHeartbeatRequest
from tinkex.flows.features import OuterRetryConfig, RetryConfig
from tinkex.flows.invoker import PipelineInvoker

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.bootstrap.stack_base import StackBase
    from tinkex.bootstrap.wire_era import WireEra
    from tinkex.flows.heartbeat import HeartbeatSender

__all__ = ["threaded_heartbeat_sender"]


def threaded_heartbeat_sender(base: StackBase, era: WireEra) -> Callable[[], HeartbeatSender]:
    """A factory the heartbeat thread calls, on its own loop, to build its sender.

    The sender owns one small connection pool, so heartbeats neither wait behind the main
    loop nor share its connections.
    """

    def make() -> HeartbeatSender:
        base_url = base.adapters.base_url
        pool = AiohttpConnectionPool(PoolLimits(session=2), credential_origin=base_url)
        invoker = PipelineInvoker(
            pool=pool,
            codecs={"json": MsgspecJsonCodec()},
            base_url=base_url,
            auth_headers=base.auth.headers(),
            auth_provider=base.auth.thread_provider(),  # the current JWT, in JWT mode
            clock=SystemClock(),
            retry=RetryConfig(max_retries=0),
            outer_retry=OuterRetryConfig(enabled=False),
            billing=None,
            sdk_version=era.sdk_version,
            logger=base.logger,
            default_headers=base.config.default_headers,
        )

        async def send(session_id: str) -> None:
            await api.session.heartbeat(invoker, SessionHeartbeatRequest(session_id=session_id))

        return send, pool.aclose

    return make
