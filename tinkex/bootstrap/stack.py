"""The two stages of a client stack: what it is built on, and what it is on the server's terms.

`StackBase` is everything that needs no server: the config, the manifest's feature settings,
the adapters, the clock, logging, tracing, the billing pause and the credentials.
`server_config_source` wires the `ServerConfigNegotiator` that learns the server's terms over
that base. `StartedStack` is built from the base and the terms in one step (the codecs and wire
era the terms call for, the flows they limit, telemetry, the pipeline, the future resolver)
and opens the session; `aclose` takes it down in reverse order.

The flows, codecs, the compiled manifest, structlog and OpenTelemetry are imported inside the
functions that build them, so importing this module (and with it `tinkex.ServiceClient`)
stays cheap; they load once, when the first stack is built.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING

from tinkex.bootstrap.pipeline import build_invoker
from tinkex.bootstrap.stack_base import StackBase
from tinkex.bootstrap.wire_era import CURRENT_ERA, JSON_ERA
from tinkex.version import WIRE_SDK_VERSION

if TYPE_CHECKING:
    from tinkex.bootstrap.sample_futures import WiredFutures
    from tinkex.domain.types import ClientConfigResponse
    from tinkex.flows.negotiation import ServerConfigNegotiator, ServerShapedFlows
    from tinkex.flows.outstanding import SubmissionTracker
    from tinkex.flows.sessions import ManagedSession
    from tinkex.ports.client import SessionOptions
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.server_config import ServerTerms
    from tinkex.ports.sessions import SessionEndReason
    from tinkex.ports.telemetry import TelemetrySink

__all__ = ["StackBase", "StartedStack", "server_config_source"]


def server_config_source(base: StackBase) -> ServerConfigNegotiator:
    """The negotiator that learns the server's terms over `base` (JSON pipelines, no telemetry).

    When the server asks for JWTs, the credentials switch to the token exchange (whose own
    pipeline authenticates with the exchange credential).
    """
    from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
    from tinkex.flows.first_contact import FirstContact
    from tinkex.flows.negotiation import ServerConfigNegotiator

    json = MsgspecJsonCodec()

    def pipeline(pool: ConnectionPool) -> Invoker:
        return build_invoker(base, CURRENT_ERA, json, json, telemetry=None, pool=pool)

    def adopt_auth(config: ClientConfigResponse) -> bool:
        if not config.pjwt_auth_enabled:
            return False
        base.auth.enable_jwt(
            config.credential_default_source,
            lambda: build_invoker(base, CURRENT_ERA, json, json, telemetry=None, for_exchange=True),
        )
        return True

    return ServerConfigNegotiator(
        pipeline,
        pool=base.adapters.pool,
        first_contact=FirstContact(
            base.adapters.base_url,
            budget_s=base.config.first_contact_timeout_s,
            clock=base.clock,
            logger=base.logger,
        ),
        adopt_auth=adopt_auth,
        sdk_version=WIRE_SDK_VERSION,
        logger=base.logger,
    )


class StartedStack:
    """A client stack on the server's terms; built in one step, closed in one step.

    Args:
        base: What the stack is built on.
        terms: The server's negotiated terms.
        submissions: Records the future-creating requests in flight (for the pending dump).

    Attributes:
        terms: The server's terms.
        era: What the server's wire era asks of requests.
        limits: The flows whose budgets the terms set (sample admission, retries, bytes).
        telemetry: The telemetry sink (the user's, or the upload), or None when off.
        futures: The clients' invoker and the future resolver, with their pollers.
        session: The session this stack keeps alive, once opened (None without one).
    """

    def __init__(self, base: StackBase, terms: ServerTerms, submissions: SubmissionTracker):
        from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
        from tinkex.adapters.protobuf_codec import ProtobufCodec
        from tinkex.bootstrap.sample_futures import batch_polling, wire_futures
        from tinkex.flows.negotiation import ServerShapedFlows
        from tinkex.flows.outstanding import TrackingInvoker

        settings = base.settings
        self.terms = terms
        self.era = JSON_ERA if terms.legacy else CURRENT_ERA
        json = MsgspecJsonCodec()
        self.protobuf = ProtobufCodec(compress=terms.config.proto_compress_fwdbwd)
        self.limits: ServerShapedFlows = ServerShapedFlows(
            terms,
            backpressure=settings.backpressure,
            sampling_retry=settings.sampling_retry,
            # Samples waiting on the batch poller hold no connection each: no limit is needed.
            batch_polled=batch_polling(settings, terms) is not None,
            clock=base.clock,
            logger=base.logger,
        )
        self.telemetry = self._telemetry_sink(base)
        pipeline = build_invoker(base, self.era, json, self.protobuf, telemetry=self.telemetry)
        self.futures: WiredFutures = wire_futures(
            TrackingInvoker(pipeline, submissions),
            pipeline,
            settings=settings,
            terms=terms,
            clock=base.clock,
            logger=base.logger,
            billing=base.billing,
            telemetry=self.telemetry,
            json=json,
            protobuf=self.protobuf,
            on_result=base.observability.instruments.count_sampled,  # when metrics are on
        )
        self.session: ManagedSession | None = None
        self._base = base

    def _telemetry_sink(self, base: StackBase) -> TelemetrySink | None:
        if base.adapters.telemetry is not None:
            return base.adapters.telemetry  # the user's sink replaces the upload
        if not base.config.telemetry:
            return None
        from tinkex.bootstrap.telemetry_upload import send_telemetry
        from tinkex.flows.telemetry import BatchingTelemetry

        return BatchingTelemetry(
            functools.partial(send_telemetry, self),
            clock=base.clock,
            config=base.settings.telemetry,
            logger=base.logger,
        )

    @property
    def invoker(self) -> Invoker:
        """The pipeline every endpoint call of the clients goes through."""
        return self.futures.invoker

    @property
    def session_id(self) -> str | None:
        """The session's id once created (None before, or without a session)."""
        return self.session.session_id if self.session is not None else None

    async def open_session(
        self, options: SessionOptions, *, create: bool, join_session_id: str | None
    ) -> None:
        """Create a session (`create`), or join `join_session_id`, or run without one."""
        from tinkex.bootstrap.session_calls import SessionCalls, session_manager

        if join_session_id is None and not create:
            return
        self.session = session_manager(
            self._base,
            SessionCalls(self._base, self.invoker, self.era, options),
            era=self.era,
            telemetry=self.telemetry,
            join_session_id=join_session_id,
        )
        await self.session.ensure_session()
        # Named on every operation span from now on.
        self._base.observability.session_id = self.session.session_id

    async def aclose(self, reason: SessionEndReason, detail: str | None) -> None:
        """Stop the pollers, finish the session, drain telemetry (before the connections go)."""
        await self.futures.aclose()  # their last acks need the connections
        if self.session is not None:
            # Finishing is best effort: a dead server must not keep the client open.
            with contextlib.suppress(Exception):
                await self.session.aclose(reason, detail)
        if self.telemetry is not None:
            await self.telemetry.aclose()
