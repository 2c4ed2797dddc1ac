"""Blocking tinkex, for scripts and notebooks: ``import tinkex.sync as tinker``.

```python
import tinkex.sync as tinker

service = tinker.ServiceClient()                    # TINKER_BASE_URL=local: embedded backend
training = service.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=16)
future = training.forward_backward(data, "cross_entropy")  # submitted at once, in call order
print(future.result().metrics)                      # blocks until the result is in
```

The four clients have the tinkex clients' methods under the same names (and the official
SDK's ``*_async`` names as ``async`` methods); each runs the tinkex (async) method, the only
implementation, on tinkex's own event loop. That loop runs on **one daemon thread**, the one
thread you ask for by using this module: it starts with the first client (importing starts
nothing), keeps running between calls (sessions, heartbeats and futures live there), and stops
at interpreter exit, after the sessions still open are finished, or on `shutdown()`. Calls may
come from any thread, including one running its own event loop (a Jupyter cell); a tinkex
error arrives as itself, with its tinkex type.

Also here, for code written against the official SDK: the wire types (``tinker.Datum``,
``tinker.ModelInput``...), the `types` module, the tinkex errors (``TinkerError`` is
`tinkex.errors.TinkexError`) and ``AdminClient`` (the RestClient, which has the admin methods).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tinkex import types
    from tinkex.clients.training_checks import OptimParams
    from tinkex.domain.types import (
        AdamOptimizerConfig,
        AdamParams,
        Checkpoint,
        CheckpointType,
        Datum,
        DimuonOptimizerConfig,
        DimuonParams,
        DmelChunk,
        EncodedTextChunk,
        ForwardBackwardOutput,
        LoraConfig,
        ModelInput,
        ModelInputChunk,
        OptimStepRequest,
        OptimStepResponse,
        PromptProvenanceSpan,
        SampledProvenanceSpan,
        SampledSequence,
        SampleRequest,
        SampleResponse,
        SamplingParams,
        StopReason,
        TensorData,
        TensorDtype,
        TrainingRun,
    )
    from tinkex.errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BillingError,
        ConflictError,
        InternalServerError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestFailedError,
        UnprocessableEntityError,
    )
    from tinkex.errors import TinkexError as TinkerError
    from tinkex.sync.clients import RestClient, SamplingClient, ServiceClient, TrainingClient
    from tinkex.sync.clients import RestClient as AdminClient
    from tinkex.sync.future import APIFuture
    from tinkex.sync.loop import shutdown

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIFuture",
    "APIStatusError",
    "APITimeoutError",
    "AdamOptimizerConfig",
    "AdamParams",
    "AdminClient",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "Checkpoint",
    "CheckpointType",
    "ConflictError",
    "Datum",
    "DimuonOptimizerConfig",
    "DimuonParams",
    "DmelChunk",
    "EncodedTextChunk",
    "ForwardBackwardOutput",
    "InternalServerError",
    "LoraConfig",
    "ModelInput",
    "ModelInputChunk",
    "NotFoundError",
    "OptimParams",
    "OptimStepRequest",
    "OptimStepResponse",
    "PermissionDeniedError",
    "PromptProvenanceSpan",
    "RateLimitError",
    "RequestFailedError",
    "RestClient",
    "SampleRequest",
    "SampleResponse",
    "SampledProvenanceSpan",
    "SampledSequence",
    "SamplingClient",
    "SamplingParams",
    "ServiceClient",
    "StopReason",
    "TensorData",
    "TensorDtype",
    "TinkerError",
    "TrainingClient",
    "TrainingRun",
    "UnprocessableEntityError",
    "shutdown",
    "types",
]

_RENAMED = {
    "AdminClient": ("tinkex.sync.clients", "RestClient"),
    "TinkerError": ("tinkex.errors", "TinkexError"),
    "OptimParams": ("tinkex.clients.training_checks", "OptimParams"),
    "APIFuture": ("tinkex.sync.future", "APIFuture"),
    "shutdown": ("tinkex.sync.loop", "shutdown"),
}
_CLIENTS = {"RestClient", "SamplingClient", "ServiceClient", "TrainingClient"}


def __getattr__(name: str) -> Any:
    if name == "types":
        return importlib.import_module("tinkex.types")
    if name in _RENAMED:
        module, attribute = _RENAMED[name]
        return getattr(importlib.import_module(module), attribute)
    if name in _CLIENTS:
        return getattr(importlib.import_module("tinkex.sync.clients"), name)
    if name in __all__:
        errors = importlib.import_module("tinkex.errors")
        if hasattr(errors, name):
            return getattr(errors, name)
        return getattr(importlib.import_module("tinkex.types"), name)
    raise AttributeError(f"module 'tinkex.sync' has no attribute {name!r}")
