"""The Runtime: everything one ServiceClient uses, wired from the manifest and the adapters.

`Runtime.start` negotiates the server config (falling back to defaults and the JSON wire on a
server that predates it; `SessionAuth` switches to JWTs when it asks), builds the pipeline
invoker with the codecs that config calls for, the future resolver, the sampling limiters,
telemetry, and creates the session. `aclose` tears it all down in reverse order.

The stack's modules (flows, codecs, the compiled manifest, structlog, OpenTelemetry) are
imported inside the methods that build it, so importing this module (and with it
`tinkex.ServiceClient`) stays cheap; they load once, when the first Runtime is created.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from tinkex import api
from tinkex.auth.session_auth import SessionAuth
from tinkex.bootstrap import session_calls
from tinkex.bootstrap.loop_binding import LoopBinding
from tinkex.bootstrap.pipeline import build_invoker
from tinkex.bootstrap.wire_era import CURRENT_ERA, JSON_ERA
from tinkex.domain.headers import MEDIA_TYPES
from tinkex.domain.types import (
    ClientConfigRequest,
    ClientConfigResponse,
    ClientDynamicConfigResponse,
)
from tinkex.errors import ClosedError
from tinkex.ports.client import SessionOptions
from tinkex.ports.sessions import SessionEndReason
from tinkex.ports.telemetry import TelemetryEvent
from tinkex.version import WIRE_SDK_VERSION

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter
    from opentelemetry.trace import Tracer
    from structlog.typing import FilteringBoundLogger

    from tinkex.bootstrap.adapters import Adapters
    from tinkex.bootstrap.first_contact import FirstContact
    from tinkex.bootstrap.sample_futures import WiredFutures
    from tinkex.bootstrap.settings import FeatureSettings
    from tinkex.config import TinkexConfig
    from tinkex.flows.deadlines import DeadlineResolver
    from tinkex.flows.heartbeat import HeartbeatRunner
    from tinkex.flows.outstanding import Submission, SubmissionTracker
    from tinkex.flows.polling_state import PendingInfo
    from tinkex.flows.sessions import ManagedSession
    from tinkex.manifest.schema import Manifest
    from tinkex.metrics import Metrics
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.sessions import SessionManager
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["SDK_VERSION", "Runtime", "SessionOptions"]

SDK_VERSION = WIRE_SDK_VERSION
_PROTOBUF_MEDIA_TYPE = MEDIA_TYPES["protobuf"]


class Runtime:
    """One configured client stack; owns every resource it creates.

    Attributes:
        config: The resolved configuration.
        manifest: The manifest the stack was wired from.
        settings: The manifest's feature blocks as flow configs.
        clock: The time source every flow uses.
        logger: The structlog logger every flow uses.
        observability: Tracer, metric instruments and clock of the stack's operations.
        auth: The credentials each request carries (the API key, or JWTs in JWT mode).
        era: What the server's wire era asks of requests (`tinkex.bootstrap.wire_era`).
    """

    def __init__(
        self,
        config: TinkexConfig,
        adapters: Adapters,
        *,
        manifest: Manifest | None = None,
        session: SessionOptions | None = None,
        tracer: Tracer | None = None,
        metrics: Metrics | None = None,
        meter: Meter | None = None,
    ) -> None:
        from opentelemetry import trace

        from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
        from tinkex.adapters.protobuf_codec import ProtobufCodec
        from tinkex.bootstrap.first_contact import FirstContact
        from tinkex.bootstrap.settings import read_feature_settings
        from tinkex.flows.backpressure import SamplingDispatcher
        from tinkex.flows.billing import BillingPause
        from tinkex.flows.bytes_semaphore import BytesSemaphore
        from tinkex.flows.logging import configure_logging
        from tinkex.flows.metering import MeteredPool
        from tinkex.flows.observability import Observability
        from tinkex.flows.outstanding import SubmissionTracker
        from tinkex.flows.sampling_retry import SamplingRetryHandlers
        from tinkex.manifest.loader import load_manifest

        if metrics is not None:
            adapters = msgspec.structs.replace(
                adapters, pool=MeteredPool(adapters.pool, metrics, adapters.clock)
            )
        self.config = config
        self.tracer: Tracer = tracer if tracer is not None else trace.get_tracer("tinkex")
        self.manifest = manifest if manifest is not None else load_manifest()
        self.settings: FeatureSettings = read_feature_settings(self.manifest)
        self.outer_retry = self.settings.outer_retry
        self.clock = adapters.clock
        self.logger: FilteringBoundLogger = configure_logging(config.log_level)
        # One billing pause for everything this client runs: billing belongs to the account.
        self.billing = BillingPause(self.settings.billing, clock=self.clock, logger=self.logger)
        self.observability = Observability(self.tracer, meter, self.clock)
        self._adapters = adapters
        self.auth = SessionAuth(config, clock=self.clock, logger=self.logger)
        self.era = CURRENT_ERA
        self._session_options = session or SessionOptions()
        self._json = MsgspecJsonCodec()
        self._server_config = ClientConfigResponse()
        self._dynamic_config = ClientDynamicConfigResponse()
        self._legacy = False
        self._invoker: Invoker | None = None
        self._resolver: DeadlineResolver | None = None
        self._futures: WiredFutures | None = None
        self._submissions: SubmissionTracker = SubmissionTracker(self.clock)
        self._first_contact: FirstContact = FirstContact(
            adapters.base_url,
            budget_s=config.first_contact_timeout_s,
            clock=self.clock,
            logger=self.logger,
        )
        self._loop_binding = LoopBinding()
        self._session: ManagedSession | None = None
        self._telemetry: TelemetrySink | None = None
        self._protobuf = ProtobufCodec()
        self._closed = False
        self._session_started_at: float | None = None
        self._closing = False
        self.dispatcher = SamplingDispatcher(self.settings.backpressure, clock=self.clock)
        self.sampling_retries = SamplingRetryHandlers(
            self.settings.sampling_retry, clock=self.clock, logger=self.logger
        )
        self.fwdbwd_bytes = BytesSemaphore(self._server_config.fwdbwd_dispatch_bytes_semaphore_size)

    # -- lifecycle ----------------------------------------------------------------------

    async def start(
        self, *, create_session: bool = True, join_session_id: str | None = None
    ) -> None:
        """Negotiate the server config, build the pipeline, and (optionally) a session.

        Args:
            create_session: Create a new session (with heartbeats).
            join_session_id: Instead, keep an existing session alive from this runtime (an
                unpickled sampling client): no create_session, heartbeats only, and closing
                does not finish it (its owner does).
        """
        from tinkex.bootstrap.sample_futures import wire_futures
        from tinkex.bootstrap.telemetry_upload import send_telemetry
        from tinkex.flows.outstanding import TrackingInvoker
        from tinkex.flows.server_config import fetch_or_default, negotiate
        from tinkex.flows.sessions import ManagedSession
        from tinkex.flows.telemetry import BatchingTelemetry

        await self.auth.prepare()
        # Every connection this runtime opens belongs to this loop (see `check_loop`).
        self._loop_binding.bind()
        # The first request to the base URL fails fast when nothing ever answers.
        bootstrap_invoker = build_invoker(
            self,
            self._json,
            self._json,
            telemetry=None,
            pool=self._first_contact.watch(self._adapters.pool),
        )
        negotiated = await self._first_contact.bound(
            lambda: negotiate(
                lambda: api.config.client_config(
                    bootstrap_invoker, ClientConfigRequest(sdk_version=SDK_VERSION)
                ),
                defaults=ClientConfigResponse(),
                logger=self.logger,
            )
        )
        self._server_config, self._legacy = negotiated.config, negotiated.legacy
        if self._server_config.pjwt_auth_enabled and not self._legacy:
            self.auth.enable_jwt(
                self._server_config.credential_default_source,
                lambda: build_invoker(
                    self, self._json, self._json, telemetry=None, for_exchange=True
                ),
            )
            bootstrap_invoker = build_invoker(self, self._json, self._json, telemetry=None)
        if not self._legacy:
            self._dynamic_config = await fetch_or_default(
                lambda: api.config.dynamic_config(
                    bootstrap_invoker, ClientConfigRequest(sdk_version=SDK_VERSION)
                ),
                defaults=ClientDynamicConfigResponse(),
            )
        self._apply_server_config()
        if self._adapters.telemetry is not None:
            self._telemetry = self._adapters.telemetry  # the user's sink replaces the upload
        elif self.config.telemetry:
            self._telemetry = BatchingTelemetry(
                functools.partial(send_telemetry, self),
                clock=self.clock,
                config=self.settings.telemetry,
                logger=self.logger,
            )
        pipeline = build_invoker(self, self._json, self._protobuf, telemetry=self._telemetry)
        self._futures = wire_futures(
            TrackingInvoker(pipeline, self._submissions),
            pipeline,
            settings=self.settings,
            server=self._server_config,
            dynamic=self._dynamic_config,
            legacy=self._legacy,
            clock=self.clock,
            logger=self.logger,
            billing=self.billing,
            telemetry=self._telemetry,
            decode_json=lambda body: self._json.decode(body, object),
            decode_result=self._decode_result,
        )
        self._invoker, self._resolver = self._futures.invoker, self._futures.resolver
        if join_session_id is not None:
            self._session = ManagedSession(
                session_calls.known_session(join_session_id),
                heartbeat=self._heartbeat_runner(),
                finish=session_calls.leave_session,
                clock=self.clock,
            )
            await self._session.ensure_session()
        elif create_session:
            self._session = ManagedSession(
                functools.partial(session_calls.create_session, self, self._session_options),
                heartbeat=self._heartbeat_runner(),
                finish=functools.partial(session_calls.finish_session, self),
                clock=self.clock,
            )
            await self._session.ensure_session()
            self._session_started_at = self.clock.monotonic()
            if self._telemetry is not None:
                self._telemetry.emit(TelemetryEvent(event="SESSION_START"))
        if self._session is not None:  # named on every operation span from now on
            self.observability.session_id = self._session.session_id

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
            if self._futures is not None:
                await self._futures.aclose()  # their last acks need the connections
            if self._session is not None:
                # Finishing is best effort: a dead server must not keep the client open.
                with contextlib.suppress(Exception):
                    await self._session.aclose(reason, detail)
            if self._telemetry is not None:
                if self._session_started_at is not None:
                    elapsed = self.clock.monotonic() - self._session_started_at
                    self._telemetry.emit(
                        TelemetryEvent(
                            event="SESSION_END",
                            event_data={"duration": str(timedelta(seconds=elapsed))},
                        )
                    )
                await self._telemetry.aclose()
        finally:
            self._closed = True
            await self.auth.aclose()
            await self._adapters.pool.aclose()
            for closer in reversed(self._adapters.closers):
                await closer()

    # -- what clients use ------------------------------------------------------------------

    @property
    def invoker(self) -> Invoker:
        """The pipeline every endpoint call goes through.

        Raises:
            ClosedError: Not started, closed, or used from another event loop than the one
                that started it.
        """
        if self._invoker is None or self._closed:
            raise ClosedError("the client is not started or already closed")
        self.check_loop()
        return self._invoker

    @property
    def resolver(self) -> DeadlineResolver:
        """Resolves server futures (each within its deadline, see `future_deadline`).

        Raises:
            ClosedError: Not started, or used from another event loop than the one that
                started it.
        """
        if self._resolver is None:
            raise ClosedError("the client is not started")
        self.check_loop()
        return self._resolver

    def submissions(self) -> list[Submission]:
        """Future-creating requests sent but not yet answered, oldest first."""
        return self._submissions.snapshot()

    def pending_futures(self) -> list[PendingInfo]:
        """Every future being polled right now, oldest first (none before `start`)."""
        return self.resolver.pending()

    def check_loop(self) -> None:
        """Refuse another event loop than the one that started this runtime (see `LoopBinding`).

        Raises:
            ClosedError: A different loop is running.
        """
        self._loop_binding.check()

    @property
    def server_config(self) -> ClientConfigResponse:
        """The server-driven configuration in force (defaults on a legacy server)."""
        return self._server_config

    @property
    def base_url(self) -> str:
        """The URL requests are addressed to."""
        return self._adapters.base_url

    @property
    def pool(self) -> ConnectionPool:
        """The transports per traffic class (streaming callers pick their own from it)."""
        return self._adapters.pool

    @property
    def legacy(self) -> bool:
        """True when the server predates server-driven config: use the JSON wire."""
        return self._legacy

    @property
    def fwdbwd_content_encoding(self) -> str | None:
        """``Content-Encoding`` of forward-backward bodies (the server's compression flag)."""
        return self._protobuf.content_encoding

    @property
    def telemetry(self) -> TelemetrySink | None:
        """The telemetry sink, or None when telemetry is off."""
        return self._telemetry

    @property
    def closed(self) -> bool:
        """True once `aclose` was called."""
        return self._closing

    @property
    def session(self) -> SessionManager:
        """The session this runtime keeps alive (created on `start`).

        Raises:
            ClosedError: This runtime has no session.
        """
        if self._session is None:
            raise ClosedError("this runtime has no session")
        return self._session

    async def session_id(self) -> str:
        """The session id (the session is created on `start`)."""
        return await self.session.ensure_session()

    @property
    def current_session_id(self) -> str | None:
        """The session's id once created (None before, or without a session)."""
        return self._session.session_id if self._session is not None else None

    # -- wiring ----------------------------------------------------------------------------

    def _apply_server_config(self) -> None:
        from tinkex.adapters.protobuf_codec import ProtobufCodec
        from tinkex.bootstrap.sample_futures import batch_polling
        from tinkex.flows.backpressure import SamplingDispatcher
        from tinkex.flows.bytes_semaphore import BytesSemaphore
        from tinkex.flows.sampling_retry import SamplingRetryHandlers

        flags = self._server_config
        self.era = JSON_ERA if self._legacy else CURRENT_ERA
        # Samples waiting on the batch poller hold no connection each: no limit is needed.
        batch = batch_polling(self.settings, flags, legacy=self._legacy) is not None
        self._protobuf = ProtobufCodec(compress=flags.proto_compress_fwdbwd)
        self.fwdbwd_bytes = BytesSemaphore(flags.fwdbwd_dispatch_bytes_semaphore_size)
        self.dispatcher = SamplingDispatcher(
            msgspec.structs.replace(
                self.settings.backpressure, bytes_budget=flags.sample_dispatch_bytes_semaphore_size
            ),
            clock=self.clock,
        )
        self.sampling_retries = SamplingRetryHandlers(
            msgspec.structs.replace(
                self.settings.sampling_retry,
                max_connections=None if batch else flags.sample_max_concurrent_requests,
                enable_stuck_detection=self.settings.sampling_retry.enable_stuck_detection
                and flags.sample_enable_stuck_detection,
                enable_retry_logic=not flags.sample_no_retries,
            ),
            clock=self.clock,
            logger=self.logger,
        )

    def auth_headers(self) -> list[tuple[str, str]]:
        """Credential headers to send now (the current JWT in JWT mode)."""
        return self.auth.headers()

    def _decode_result(self, body: bytes, content_type: str, result_type: type[Any]) -> Any:
        codec = self._protobuf if _PROTOBUF_MEDIA_TYPE in content_type else self._json
        result = codec.decode(body, result_type)
        self.observability.instruments.count_sampled(result)  # when metrics are on
        return result

    def _heartbeat_runner(self) -> HeartbeatRunner:
        from tinkex.bootstrap.heartbeat_sender import threaded_heartbeat_sender
        from tinkex.flows.heartbeat import LoopHeartbeat, ThreadedHeartbeat

        settings = self.settings
        if self._adapters.threaded_heartbeat:
            return ThreadedHeartbeat(
                threaded_heartbeat_sender(self),
                interval_s=settings.heartbeat_interval_s,
                warn_after_s=settings.heartbeat_warn_after_s,
                logger=self.logger,
            )
        return LoopHeartbeat(
            functools.partial(session_calls.send_heartbeat, self),
            clock=self.clock,
            interval_s=settings.heartbeat_interval_s,
            warn_after_s=settings.heartbeat_warn_after_s,
            logger=self.logger,
        )
