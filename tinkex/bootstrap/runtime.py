"""The Runtime: one client stack as the clients see it (the `ClientContext` port).

A Runtime composes what `compose` gives it: a `StackBase` (config, settings, clock, logging,
credentials), a `ServerConfigSource` that learns the server's terms, and the options of the
session to create. `start` asks for the terms and builds the `StartedStack` in one step; every
member that depends on the terms reads it, and refuses (`ClosedError`) before `start`, so no
client ever sees a half-built stack. `aclose` tears it all down in reverse order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.bootstrap.loop_binding import LoopBinding
from tinkex.errors import ClosedError
from tinkex.ports.client import SessionOptions
from tinkex.ports.sessions import SessionEndReason
from tinkex.version import WIRE_SDK_VERSION

if TYPE_CHECKING:
    from tinkex.bootstrap.stack import StackBase, StartedStack
    from tinkex.domain.types import ClientConfigResponse
    from tinkex.flows.backpressure import SamplingDispatcher
    from tinkex.flows.bytes_semaphore import BytesSemaphore
    from tinkex.flows.deadlines import DeadlineResolver
    from tinkex.flows.outstanding import Submission
    from tinkex.flows.polling_state import PendingInfo
    from tinkex.flows.sampling_retry import SamplingRetryHandlers
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.server_config import ServerConfigSource
    from tinkex.ports.sessions import SessionManager
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["SDK_VERSION", "Runtime", "SessionOptions"]

SDK_VERSION = WIRE_SDK_VERSION


class Runtime:
    """One configured client stack; owns every resource it creates.

    Args:
        base: What the stack is built on (see `StackBase`).
        server: Where the server's terms come from.
        session: What a new session is created with.

    Attributes:
        config: The resolved configuration.
        manifest: The manifest the stack was wired from.
        settings: The manifest's feature blocks as flow configs.
        clock: The time source every flow uses.
        logger: The structlog logger every flow uses.
        observability: Tracer, metric instruments and clock of the stack's operations.
        auth: The credentials each request carries (the API key, or JWTs in JWT mode).
        billing: The one 402 pause of this client stack.
        outer_retry: The retry budget around a whole operation.
    """

    def __init__(
        self,
        base: StackBase,
        *,
        server: ServerConfigSource,
        session: SessionOptions | None = None,
    ) -> None:
        from tinkex.flows.outstanding import SubmissionTracker

        self.config = base.config
        self.manifest = base.manifest
        self.settings = base.settings
        self.clock = base.clock
        self.logger = base.logger
        self.observability = base.observability
        self.auth = base.auth
        self.billing = base.billing
        self.outer_retry = base.settings.outer_retry
        self._base = base
        self._server = server
        self._session_options = session or SessionOptions()
        self._submissions = SubmissionTracker(self.clock)
        self._loop_binding = LoopBinding()
        self._stack: StartedStack | None = None
        self._closing = False
        self._closed = False

    async def start(
        self, *, create_session: bool = True, join_session_id: str | None = None
    ) -> None:
        """Learn the server's terms, build the stack on them, and (optionally) a session.

        Args:
            create_session: Create a new session (with heartbeats).
            join_session_id: Instead, keep an existing session alive from this runtime (an
                unpickled sampling client): no create_session, heartbeats only, and closing
                does not finish it (its owner does).
        """
        from tinkex.bootstrap.stack import StartedStack

        await self.auth.prepare()
        # Every connection this runtime opens belongs to this loop (see `check_loop`).
        self._loop_binding.bind()
        terms = await self._server.negotiate()
        self._stack = StartedStack(self._base, terms, self._submissions)
        await self._stack.open_session(
            self._session_options, create=create_session, join_session_id=join_session_id
        )

    async def aclose(
        self, reason: SessionEndReason = SessionEndReason.SUCCESS, detail: str | None = None
    ) -> None:
        """Finish the session, drain telemetry, close transports; safe to call twice.

        Raises:
            ClosedError: Called on another event loop than the one that started the runtime
                (its connections can only be closed there).
        """
        if self._closing:
            return
        self.check_loop()
        self._closing = True
        try:
            if self._stack is not None:
                await self._stack.aclose(reason, detail)
        finally:
            self._closed = True
            await self._base.aclose()

    def _started(self) -> StartedStack:
        if self._stack is None:
            raise ClosedError("the client is not started")
        return self._stack

    # -- what clients use (members that need the server's terms raise before `start`) ---

    @property
    def invoker(self) -> Invoker:
        """The pipeline every endpoint call goes through.

        Raises:
            ClosedError: Not started, closed, or used from another event loop than the one
                that started it.
        """
        if self._stack is None or self._closed:
            raise ClosedError("the client is not started or already closed")
        self.check_loop()
        return self._stack.invoker

    @property
    def resolver(self) -> DeadlineResolver:
        """Resolves server futures, each within its deadline (`ClosedError` before start)."""
        stack = self._started()
        self.check_loop()
        return stack.futures.resolver

    @property
    def session(self) -> SessionManager:
        """The session this runtime keeps alive (`ClosedError` when it has none)."""
        session = self._stack.session if self._stack is not None else None
        if session is None:
            raise ClosedError("this runtime has no session")
        return session

    async def session_id(self) -> str:
        """The session id (the session is created on `start`)."""
        return await self.session.ensure_session()

    @property
    def server_config(self) -> ClientConfigResponse:
        """The server-driven configuration in force (defaults on a legacy server)."""
        return self._started().terms.config

    @property
    def legacy(self) -> bool:
        """True when the server predates server-driven config: use the JSON wire."""
        return self._started().terms.legacy

    @property
    def dispatcher(self) -> SamplingDispatcher:
        """Admission of sample requests (the server sets the byte budget)."""
        return self._started().limits.dispatcher

    @property
    def sampling_retries(self) -> SamplingRetryHandlers:
        """Per-sampler retry handlers (the server sets the connection limit)."""
        return self._started().limits.sampling_retries

    @property
    def fwdbwd_bytes(self) -> BytesSemaphore:
        """The byte budget of forward-backward chunks in flight."""
        return self._started().limits.fwdbwd_bytes

    @property
    def fwdbwd_content_encoding(self) -> str | None:
        """``Content-Encoding`` of forward-backward bodies (the server's compression flag)."""
        return self._started().protobuf.content_encoding

    @property
    def telemetry(self) -> TelemetrySink | None:
        """The telemetry sink, or None when telemetry is off."""
        return self._started().telemetry

    @property
    def base_url(self) -> str:
        """The URL requests are addressed to."""
        return self._base.adapters.base_url

    @property
    def pool(self) -> ConnectionPool:
        """The transports per traffic class (streaming callers pick their own from it)."""
        return self._base.adapters.pool

    @property
    def closed(self) -> bool:
        """True once `aclose` was called."""
        return self._closing

    def check_loop(self) -> None:
        """Refuse another event loop than the one that started this runtime (see `LoopBinding`).

        Raises:
            ClosedError: A different loop is running.
        """
        self._loop_binding.check()

    def auth_headers(self) -> list[tuple[str, str]]:
        """Credential headers to send now (the current JWT in JWT mode)."""
        return self.auth.headers()

    def submissions(self) -> list[Submission]:
        """Future-creating requests sent but not yet answered, oldest first."""
        return self._submissions.snapshot()

    def pending_futures(self) -> list[PendingInfo]:
        """Every future being polled right now, oldest first (`ClosedError` before start)."""
        return self.resolver.pending()
