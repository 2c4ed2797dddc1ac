"""`StackBase`: what a client stack is built on before it meets the server.

The config, the manifest's feature settings, the adapters, the clock, logging, tracing, the
billing pause and the credentials: everything that needs no server. `tinkex.bootstrap.stack`
builds the negotiator and the `StartedStack` on it; the pieces of the stack it wires
(pipeline, session calls, heartbeat sender) read it from here, so none of them imports the
module that assembles them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from tinkex.auth.session_auth import SessionAuth

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter
    from opentelemetry.trace import Tracer

    from tinkex.bootstrap.adapters import Adapters
    from tinkex.config import TinkexConfig
    from tinkex.manifest.schema import Manifest
    from tinkex.metrics import Metrics

__all__ = ["StackBase"]


class StackBase:
    """What a client stack is built on before it meets the server.

    Args:
        config: The resolved configuration.
        adapters: The chosen I/O (a metered pool replaces the pool when `metrics` is given).
        manifest: Another manifest than the shipped one.
        tracer: OpenTelemetry tracer (default: the global provider's).
        metrics: A metrics registry every HTTP attempt reports to.
        meter: OpenTelemetry meter (default: the global provider's).
    """

    def __init__(
        self,
        config: TinkexConfig,
        adapters: Adapters,
        *,
        manifest: Manifest | None = None,
        tracer: Tracer | None = None,
        metrics: Metrics | None = None,
        meter: Meter | None = None,
    ) -> None:
        from opentelemetry import trace

        from tinkex.bootstrap.settings import read_feature_settings
        from tinkex.flows.billing import BillingPause
        from tinkex.flows.logging import configure_logging
        from tinkex.flows.metering import MeteredPool
        from tinkex.flows.observability import Observability
        from tinkex.manifest.loader import load_manifest

        if metrics is not None:
            adapters = msgspec.structs.replace(
                adapters, pool=MeteredPool(adapters.pool, metrics, adapters.clock)
            )
        self.config = config
        self.adapters = adapters
        self.clock = adapters.clock
        self.tracer: Tracer = tracer if tracer is not None else trace.get_tracer("tinkex")
        self.manifest = manifest if manifest is not None else load_manifest()
        self.settings = read_feature_settings(self.manifest)
        self.logger = configure_logging(config.log_level)
        # One billing pause for everything this client runs: billing belongs to the account.
        self.billing = BillingPause(self.settings.billing, clock=self.clock, logger=self.logger)
        self.observability = Observability(self.tracer, meter, self.clock)
        self.auth = SessionAuth(config, clock=self.clock, logger=self.logger)

    async def aclose(self) -> None:
        """Release the credentials, the connection pool and the adapters' own resources."""
        await self.auth.aclose()
        await self.adapters.pool.aclose()
        for closer in reversed(self.adapters.closers):
            await closer()
