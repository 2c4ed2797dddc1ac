"""The ClientContext port: everything a client needs from the stack it runs on.

Clients (`tinkex.clients`) are written against this protocol, never against the composition
root that implements it (`tinkex.bootstrap.runtime.Runtime`, built by
`tinkex.bootstrap.compose.compose`). Its members are the other ports (invoker, future
resolver, session manager, clock, connection pool, telemetry sink) plus the few flow-level
collaborators that the server's negotiated config shapes (the sampling dispatcher and retry
handlers, the forward-backward byte budget, the outer retry policy, observability).

The attributes exist from construction; every property that depends on the server's terms
(the invoker, resolver, session, server config, limits, telemetry) raises `ClosedError` until
`start` has negotiated them, so a client never sees placeholder values.

Those flow and domain types are named in annotations only (under ``TYPE_CHECKING``): at run
time this module, like every port, imports nothing of ours but other ports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from tinkex.ports.sessions import SessionEndReason

if TYPE_CHECKING:
    from structlog.typing import FilteringBoundLogger

    from tinkex.auth.session_auth import SessionAuth
    from tinkex.config import TinkexConfig
    from tinkex.domain.types import ClientConfigResponse
    from tinkex.flows.backpressure import SamplingDispatcher
    from tinkex.flows.billing import BillingPause
    from tinkex.flows.bytes_semaphore import BytesSemaphore
    from tinkex.flows.features import OuterRetryConfig
    from tinkex.flows.observability import Observability
    from tinkex.flows.outstanding import Submission
    from tinkex.flows.polling_state import PendingInfo
    from tinkex.flows.sampling_retry import SamplingRetryHandlers
    from tinkex.manifest.schema import Manifest
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.futures import FutureResolver
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.sessions import SessionManager
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["ClientContext", "SessionOptions"]


class SessionOptions(msgspec.Struct, frozen=True, kw_only=True):
    """What a new session is created with."""

    user_metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    project_id: str | None = None
    display_name: str | None = None


class ClientContext(Protocol):
    """One configured, started client stack as the clients see it.

    Attributes:
        config: The resolved configuration.
        manifest: The manifest the stack was wired from.
        clock: The time source of every backoff, poll and deadline.
        logger: The structlog logger every flow uses.
        observability: Tracer, metric instruments and clock of the stack's operations.
        auth: The credentials each request carries (the API key, or JWTs in JWT mode).
        outer_retry: The retry budget around a whole operation (sampling's outer loop).
        billing: The one 402 pause of this client stack (billing belongs to the account).
    """

    config: TinkexConfig
    manifest: Manifest
    clock: Clock
    logger: FilteringBoundLogger
    observability: Observability
    auth: SessionAuth
    outer_retry: OuterRetryConfig
    billing: BillingPause

    async def start(
        self, *, create_session: bool = True, join_session_id: str | None = None
    ) -> None:
        """Negotiate the server config, build the pipeline and (optionally) the session."""
        ...

    async def aclose(
        self, reason: SessionEndReason = SessionEndReason.SUCCESS, detail: str | None = None
    ) -> None:
        """Finish the session, drain telemetry, close transports; safe to call twice."""
        ...

    def check_loop(self) -> None:
        """Raise `ClosedError` when called from another event loop than the starting one."""
        ...

    @property
    def invoker(self) -> Invoker:
        """The pipeline every endpoint call goes through (`ClosedError` once closed)."""
        ...

    @property
    def resolver(self) -> FutureResolver:
        """Resolves server futures, each within its deadline."""
        ...

    @property
    def session(self) -> SessionManager:
        """The session this stack keeps alive (`ClosedError` when it has none)."""
        ...

    @property
    def dispatcher(self) -> SamplingDispatcher:
        """Admission of sample requests (bytes and count budgets; the server sets them)."""
        ...

    @property
    def sampling_retries(self) -> SamplingRetryHandlers:
        """Per-sampler retry handlers (connection limit, stuck detection)."""
        ...

    @property
    def fwdbwd_bytes(self) -> BytesSemaphore:
        """The byte budget of forward-backward chunks in flight."""
        ...

    @property
    def server_config(self) -> ClientConfigResponse:
        """The server-driven configuration in force (defaults on a legacy server)."""
        ...

    @property
    def legacy(self) -> bool:
        """True when the server predates server-driven config (the JSON wire era)."""
        ...

    @property
    def base_url(self) -> str:
        """The URL requests are addressed to."""
        ...

    @property
    def pool(self) -> ConnectionPool:
        """The transports per traffic class (streaming callers pick their own)."""
        ...

    @property
    def telemetry(self) -> TelemetrySink | None:
        """The telemetry sink, or None when telemetry is off."""
        ...

    @property
    def fwdbwd_content_encoding(self) -> str | None:
        """``Content-Encoding`` of forward-backward bodies (``zstd`` when the server asks)."""
        ...

    @property
    def closed(self) -> bool:
        """True once `aclose` was called."""
        ...

    def auth_headers(self) -> list[tuple[str, str]]:
        """Credential headers to send now (the current JWT in JWT mode)."""
        ...

    def submissions(self) -> list[Submission]:
        """Future-creating requests sent but not yet answered, oldest first."""
        ...

    def pending_futures(self) -> list[PendingInfo]:
        """Every future being polled right now, oldest first."""
        ...
