"""Builders for training/service client tests: a recording transport over the embedded backend.

`recorded_service` gives a `ServiceClient` whose every HTTP request is kept in `Recorder.sent`
(a `tinkex.testing.ScriptedTransport` in front of the backend), so tests can check what went on
the wire (and, for validation errors, that nothing did). Request bodies are JSON or protobuf;
`seq_id_of` reads the ``seq_id`` of either.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from tinkex.clients.service import ServiceClient
from tinkex.domain.types import Datum, ModelInput
from tinkex.local import BackendConfig, InProcessTransport, LocalBackend
from tinkex.proto.wire import decode_forward_backward_request
from tinkex.testing import ScriptedTransport

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from pathlib import Path

    from tinkex.clients.training import TrainingClient
    from tinkex.local import FaultPlan
    from tinkex.ports.clock import Clock
    from tinkex.ports.transport import HttpRequest

TINY_MODEL = "tinkex/tiny-byte-lm"
BASE_URL = "http://local"


class Recorder(ScriptedTransport):
    """The scripted transport in front of a backend, with queries by endpoint name."""

    def __init__(self, backend: LocalBackend) -> None:
        super().__init__(fallback=InProcessTransport(backend, BASE_URL))

    def endpoints(self) -> list[str]:
        """The URL path after ``/api/v1/`` of each request, in send order."""
        return [endpoint_of(r) for r in self.sent]

    def to(self, *endpoints: str) -> list[HttpRequest]:
        """The requests sent to any of `endpoints` (names after ``/api/v1/``)."""
        return [r for r in self.sent if endpoint_of(r) in endpoints]


def endpoint_of(request: HttpRequest) -> str:
    """The part of the URL path after ``/api/v1/`` (query stripped)."""
    path = request.url.split("?", 1)[0]
    return path.split("/api/v1/", 1)[-1]


def seq_id_of(request: HttpRequest) -> int:
    """The ``seq_id`` a training request carries, JSON or protobuf."""
    body = request.body or b""
    if "protobuf" in (request.header("Content-Type") or ""):
        decoded = decode_forward_backward_request(
            body, content_encoding=request.header("Content-Encoding")
        )
        return int(decoded.seq_id)
    return int(json.loads(body)["seq_id"])


def json_body(request: HttpRequest) -> Any:
    """The decoded JSON body of a request."""
    return json.loads(request.body or b"null")


def make_backend(
    data_dir: Path,
    *,
    legacy: bool = False,
    fault_plan: FaultPlan | None = None,
    clock: Clock | None = None,
    client_flags: Mapping[str, object] | None = None,
    poll_timeout_s: float = 2.0,
) -> LocalBackend:
    """An embedded backend with short long-polls and optional client-config overrides."""
    return LocalBackend(
        data_dir,
        legacy=legacy,
        fault_plan=fault_plan,
        clock=clock,
        config=BackendConfig(poll_timeout_s=poll_timeout_s, client_flags=dict(client_flags or {})),
    )


def recorded_client(
    backend: LocalBackend, *, clock: Clock | None = None
) -> tuple[ServiceClient, Recorder]:
    """A ServiceClient over `backend` whose transport records every request."""
    recorder = Recorder(backend)
    service = ServiceClient(
        base_url="local", transport=recorder, clock=clock, telemetry=False, api_key="tml-test"
    )
    return service, recorder


@contextlib.asynccontextmanager
async def recorded_service(
    data_dir: Path, **backend_options: Any
) -> AsyncIterator[tuple[ServiceClient, Recorder]]:
    """A started ServiceClient over a fresh backend, and its recorder; closed on exit."""
    backend = make_backend(data_dir, **backend_options)
    service, recorder = recorded_client(backend)
    try:
        async with service:
            yield service, recorder
    finally:
        await backend.aclose()


async def tiny_training(service: ServiceClient, *, rank: int = 4, seed: int = 0) -> TrainingClient:
    """A LoRA training client on the embedded tiny model."""
    return await service.create_lora_training_client(TINY_MODEL, rank=rank, seed=seed)


def datum(tokens: list[int], *, weights: list[float] | None = None) -> Datum:
    """A next-token datum: inputs ``tokens[:-1]``, targets ``tokens[1:]``."""
    inputs, targets = tokens[:-1], tokens[1:]
    return Datum(
        model_input=ModelInput.from_ints(inputs),
        loss_fn_inputs={
            "target_tokens": np.asarray(targets, dtype=np.int64),
            "weights": np.asarray(
                weights if weights is not None else [1.0] * len(targets), dtype=np.float32
            ),
        },
    )


def batch(count: int, *, length: int = 6, offset: int = 0) -> list[Datum]:
    """`count` distinct datums of `length` tokens."""
    return [
        datum([(offset + 7 * i + 3 * j) % 200 + 10 for j in range(length)]) for i in range(count)
    ]
