"""tinkex: an asyncio-first SDK for the Tinker fine-tuning and sampling API.

```python
async with tinkex.ServiceClient() as service:
    training = await service.create_lora_training_client("Qwen/Qwen3-8B", rank=32)
```

Public names are loaded on first use, so ``import tinkex`` stays cheap.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from tinkex.version import __version__

# Library etiquette: tinkex's records reach only the handlers the application configures (or
# TINKER_LOG's), never the "last resort" handler that would print warnings to stderr.
logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from tinkex import (
        api,
        errors,
        metrics,
        multipart,
        queue_state,
        recovery,
        regularizer,
        telemetry,
        types,
    )
    from tinkex.clients.futures import APIFuture
    from tinkex.clients.rest import RestClient
    from tinkex.clients.sampling import SamplingClient
    from tinkex.clients.service import ServiceClient
    from tinkex.clients.training import TrainingClient

__all__ = [
    "APIFuture",
    "RestClient",
    "SamplingClient",
    "ServiceClient",
    "TrainingClient",
    "__version__",
    "api",
    "errors",
    "metrics",
    "multipart",
    "queue_state",
    "recovery",
    "regularizer",
    "telemetry",
    "types",
]

_LAZY = {
    "APIFuture": "tinkex.clients.futures",
    "RestClient": "tinkex.clients.rest",
    "SamplingClient": "tinkex.clients.sampling",
    "ServiceClient": "tinkex.clients.service",
    "TrainingClient": "tinkex.clients.training",
}
_MODULES = {
    "api",
    "errors",
    "metrics",
    "multipart",
    "queue_state",
    "recovery",
    "regularizer",
    "telemetry",
    "types",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"tinkex.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tinkex' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
