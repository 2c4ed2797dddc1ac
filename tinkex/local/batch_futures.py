"""Advertising batch polling and sample cancellation (`BackendConfig.batch_futures`).

The backend always answers ``retrieve_futures`` and ``cancel_future`` (`promises.py`); a
client uses them only when the configs say so. With ``batch_futures`` on, ``client/config``
sets ``sample_use_retrieve_futures`` and ``client/dynamic_config`` sets
``sample_cancel_enabled``, so clients (ours and the official SDK) resolve samples through the
batch poller and cancel abandoned ones. `BackendConfig.client_flags` and
`BackendConfig.dynamic_flags` override single flags on top (e.g. a small
``sample_cancel_max_batch_size``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.local.state import BackendConfig

__all__ = ["BATCH_CLIENT_FLAGS", "BATCH_DYNAMIC_FLAGS", "client_flags", "dynamic_flags"]

BATCH_CLIENT_FLAGS: dict[str, object] = {"sample_use_retrieve_futures": True}
"""The ``client/config`` flags `batch_futures` turns on."""
BATCH_DYNAMIC_FLAGS: dict[str, object] = {"sample_cancel_enabled": True}
"""The ``client/dynamic_config`` flags `batch_futures` turns on."""


def client_flags(config: BackendConfig) -> dict[str, object]:
    """The ``client/config`` flags that differ from the defaults."""
    return {**(BATCH_CLIENT_FLAGS if config.batch_futures else {}), **config.client_flags}


def dynamic_flags(config: BackendConfig) -> dict[str, object]:
    """The ``client/dynamic_config`` flags that differ from the defaults."""
    return {**(BATCH_DYNAMIC_FLAGS if config.batch_futures else {}), **config.dynamic_flags}
