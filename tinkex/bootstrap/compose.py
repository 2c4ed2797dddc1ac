"""The composition root: the one place a client stack (`Runtime`) is built.

`compose` chooses the adapters for a resolved config and the user's overrides (or takes the
ones given), builds the stack's base from them and the manifest, the source of the server's
terms, and composes them into a `Runtime`, which implements the
`tinkex.ports.client.ClientContext` port that every client is written against. Clients never
import this package: `ServiceClient` and rebuilt sampling clients reach it through
`tinkex._compose`, the CLI calls it directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.bootstrap.adapters import default_adapters
from tinkex.bootstrap.runtime import Runtime
from tinkex.bootstrap.stack import StackBase, server_config_source

if TYPE_CHECKING:
    from pathlib import Path

    from opentelemetry.metrics import Meter
    from opentelemetry.trace import Tracer

    from tinkex.bootstrap.adapters import Adapters
    from tinkex.config import TinkexConfig
    from tinkex.local import LocalBackend
    from tinkex.manifest.schema import Manifest
    from tinkex.metrics import Metrics
    from tinkex.ports.client import SessionOptions
    from tinkex.ports.clock import Clock
    from tinkex.ports.pool import ConnectionPool
    from tinkex.ports.telemetry import TelemetrySink
    from tinkex.ports.transport import Transport

__all__ = ["compose"]


def compose(
    config: TinkexConfig,
    *,
    adapters: Adapters | None = None,
    backend: LocalBackend | None = None,
    local_data_dir: Path | None = None,
    transport: Transport | ConnectionPool | None = None,
    clock: Clock | None = None,
    telemetry: TelemetrySink | None = None,
    manifest: Manifest | None = None,
    session: SessionOptions | None = None,
    tracer: Tracer | None = None,
    metrics: Metrics | None = None,
    meter: Meter | None = None,
) -> Runtime:
    """Build the (not yet started) client stack for `config`.

    Args:
        config: The resolved configuration.
        adapters: Fully chosen adapters; otherwise `default_adapters` picks them from
            `config` and the overrides (`backend`, `local_data_dir`, `transport`, `clock`,
            `telemetry`).
        backend: An embedded backend to talk to in-process.
        local_data_dir: Where ``base_url="local"`` keeps checkpoints.
        transport: The user's transport or pool.
        clock: The user's clock.
        telemetry: The user's telemetry sink (replaces the upload).
        manifest: Another manifest than the shipped one.
        session: What a new session is created with.
        tracer: OpenTelemetry tracer (default: the global provider's).
        metrics: A metrics registry every HTTP attempt reports to.
        meter: OpenTelemetry meter (default: the global provider's).
    """
    chosen = adapters or default_adapters(
        config,
        backend=backend,
        local_data_dir=local_data_dir,
        transport=transport,
        clock=clock,
        telemetry=telemetry,
    )
    base = StackBase(config, chosen, manifest=manifest, tracer=tracer, metrics=metrics, meter=meter)
    return Runtime(base, server=server_config_source(base), session=session)
