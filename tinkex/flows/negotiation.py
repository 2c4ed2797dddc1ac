"""First contact with the server: learn its terms, then shape the flows they limit.

`ServerConfigNegotiator` (the `ServerConfigSource` of a client stack) asks for
``/client/config`` through a pipeline whose attempts `FirstContact` watches, so a wrong URL
fails in seconds, not after minutes of retries. A 404 there marks a server of the JSON era:
the defaults, the JSON wire, and no dynamic config. When the config asks for JWTs, the
credentials switch before anything else is sent, and the dynamic config is fetched through a
pipeline built afresh with them.

`ServerShapedFlows` are the flow collaborators whose budgets the terms set: the byte budget of
forward-backward chunks, the admission of samples and the per-sampler retry handlers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tinkex import api
from tinkex.domain.types import (
    ClientConfigRequest,
    ClientConfigResponse,
    ClientDynamicConfigResponse,
)
from tinkex.flows.backpressure import SamplingDispatcher
from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.sampling_retry import SamplingRetryHandlers
from tinkex.flows.server_config import fetch_or_default, negotiate
from tinkex.ports.server_config import ServerTerms

if TYPE_CHECKING:
    from collections.abc import Callable

    from structlog.typing import FilteringBoundLogger

    from tinkex.flows.backpressure import BackpressureConfig
    from tinkex.flows.first_contact import FirstContact
    from tinkex.flows.sampling_retry import SamplingRetryConfig
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import Invoker
    from tinkex.ports.pool import ConnectionPool

__all__ = ["ServerConfigNegotiator", "ServerShapedFlows"]


class ServerConfigNegotiator:
    """Ask the server for its terms (implements `ServerConfigSource`).

    Args:
        pipeline: Builds a JSON pipeline over a pool with the credentials in force now.
        pool: The stack's connection pool.
        first_contact: Bounds the wait for the first answer from the base URL.
        adopt_auth: Switches the credentials the server's config asks for (JWTs); returns
            True when they changed, so later requests need a pipeline built afresh.
        sdk_version: Reported in the config requests.
        logger: Receives the ``server_config.legacy`` warning.
    """

    def __init__(
        self,
        pipeline: Callable[[ConnectionPool], Invoker],
        *,
        pool: ConnectionPool,
        first_contact: FirstContact,
        adopt_auth: Callable[[ClientConfigResponse], bool],
        sdk_version: str,
        logger: FilteringBoundLogger,
    ) -> None:
        self._pipeline = pipeline
        self._pool = pool
        self._first_contact = first_contact
        self._adopt_auth = adopt_auth
        self._request = ClientConfigRequest(sdk_version=sdk_version)
        self._logger = logger

    async def negotiate(self) -> ServerTerms:
        """Fetch the client config (and the dynamic config on a current server).

        Raises:
            APIConnectionError: Nothing answered within the first-contact budget.
            APIStatusError: The config exchange failed (other than the legacy 404).
        """
        invoker = self._pipeline(self._first_contact.watch(self._pool))
        negotiated = await self._first_contact.bound(
            lambda: negotiate(
                lambda: api.config.client_config(invoker, self._request),
                defaults=ClientConfigResponse(),
                logger=self._logger,
            )
        )
        config, legacy = negotiated.config, negotiated.legacy
        if legacy:
            return ServerTerms(config=config, dynamic=ClientDynamicConfigResponse(), legacy=True)
        if self._adopt_auth(config):
            invoker = self._pipeline(self._pool)
        dynamic = await fetch_or_default(
            lambda: api.config.dynamic_config(invoker, self._request),
            defaults=ClientDynamicConfigResponse(),
        )
        return ServerTerms(config=config, dynamic=dynamic, legacy=False)


class ServerShapedFlows:
    """The flow collaborators whose limits come from the server's terms.

    Args:
        terms: The negotiated terms.
        backpressure: The manifest's sample admission block (the server sets its byte budget).
        sampling_retry: The manifest's sampling retry block (the server sets the connection
            limit and may turn stuck detection and retries off).
        batch_polled: Samples wait on the batch poller, holding no connection each, so no
            connection limit applies.
        clock: Time source of the flows.
        logger: Where the retry handlers log.

    Attributes:
        fwdbwd_bytes: The byte budget of forward-backward chunks in flight.
        dispatcher: Admission of sample requests (bytes and count budgets).
        sampling_retries: Per-sampler retry handlers.
    """

    def __init__(
        self,
        terms: ServerTerms,
        *,
        backpressure: BackpressureConfig,
        sampling_retry: SamplingRetryConfig,
        batch_polled: bool,
        clock: Clock,
        logger: FilteringBoundLogger,
    ) -> None:
        flags = terms.config
        self.fwdbwd_bytes = BytesSemaphore(flags.fwdbwd_dispatch_bytes_semaphore_size)
        self.dispatcher = SamplingDispatcher(
            msgspec.structs.replace(
                backpressure, bytes_budget=flags.sample_dispatch_bytes_semaphore_size
            ),
            clock=clock,
        )
        self.sampling_retries = SamplingRetryHandlers(
            msgspec.structs.replace(
                sampling_retry,
                max_connections=None if batch_polled else flags.sample_max_concurrent_requests,
                enable_stuck_detection=sampling_retry.enable_stuck_detection
                and flags.sample_enable_stuck_detection,
                enable_retry_logic=not flags.sample_no_retries,
            ),
            clock=clock,
            logger=logger,
        )
