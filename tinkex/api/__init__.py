# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Generated endpoint modules, one per manifest resource (see `registry.ENDPOINTS`)."""

from tinkex.api import (
    admin,
    auth,
    config,
    custom_loss,
    futures,
    models,
    rest,
    sampling,
    service,
    session,
    telemetry,
    training,
    weights,
)

__all__ = [
    "admin",
    "auth",
    "config",
    "custom_loss",
    "futures",
    "models",
    "rest",
    "sampling",
    "service",
    "session",
    "telemetry",
    "training",
    "weights",
]
