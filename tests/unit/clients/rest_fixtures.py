"""Builders for REST client tests: an embedded-backend runtime, runs and checkpoints."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, TypeVar

from tinkex import api
from tinkex.bootstrap.adapters import local_adapters
from tinkex.bootstrap.compose import compose
from tinkex.config import load_config
from tinkex.domain.types import (
    CreateModelRequest,
    CreateModelResponse,
    LoraConfig,
    SaveWeightsExternalRequest,
    SaveWeightsExternalResponse,
    SaveWeightsForSamplerRequest,
    SaveWeightsForSamplerResponse,
    SaveWeightsRequest,
    SaveWeightsResponse,
)
from tinkex.local import LocalBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping
    from pathlib import Path

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.clock import Clock
    from tinkex.ports.endpoint import EndpointSpec, Invoker, QueryValue

T = TypeVar("T")

TINY_MODEL = "tinkex/tiny-byte-lm"


class RecordingInvoker:
    """An Invoker that forwards to another and records every endpoint it was asked for."""

    def __init__(self, inner: Invoker) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.headers: list[Mapping[str, str]] = []

    async def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        self.calls.append(endpoint.name)
        self.headers.append(dict(headers or {}))
        return await self.inner.invoke(
            endpoint,
            body,
            response_type=response_type,
            path_params=path_params,
            query=query,
            headers=headers,
        )


@contextlib.asynccontextmanager
async def local_runtime(
    data_dir: Path, *, session: bool = True, clock: Clock | None = None
) -> AsyncIterator[Runtime]:
    """A started runtime over an in-process embedded backend rooted at `data_dir`.

    Pass a `FakeClock` when the test provokes retried statuses (409), so backoffs take no time.
    """
    backend = LocalBackend(data_dir)
    try:
        async with local_runtime_on(backend, session=session, clock=clock) as runtime:
            yield runtime
    finally:
        await backend.aclose()


@contextlib.asynccontextmanager
async def local_runtime_on(
    backend: LocalBackend, *, session: bool = True, clock: Clock | None = None
) -> AsyncIterator[Runtime]:
    """A started in-process runtime over an existing backend (which it does not close)."""
    adapters = local_adapters(backend, owns_backend=False)
    if clock is not None:
        adapters.clock = clock
    runtime = compose(load_config(base_url="local", env={}, telemetry=False), adapters=adapters)
    await runtime.start(create_session=session)
    try:
        yield runtime
    finally:
        await runtime.aclose()


async def create_run(runtime: Runtime, *, rank: int = 4) -> str:
    """Create a LoRA training run and return its id."""
    session_id = await runtime.session_id()
    request = CreateModelRequest(
        session_id=session_id,
        model_seq_id=runtime.session.next_model_seq_id(),
        base_model=TINY_MODEL,
        lora_config=LoraConfig(rank=rank),
    )
    future = await api.models.create(runtime.invoker, request)
    created = await runtime.resolver.resolve(
        future.request_id, result_type=CreateModelResponse, request_type="CreateModel"
    )
    return created.model_id


async def save_state(runtime: Runtime, model_id: str, name: str) -> str:
    """Save a training state (``weights/<name>``) and return its path."""
    future = await api.weights.save(
        runtime.invoker, SaveWeightsRequest(model_id=model_id, path=name)
    )
    saved = await runtime.resolver.resolve(
        future.request_id, result_type=SaveWeightsResponse, request_type="SaveWeights"
    )
    return saved.path


async def save_sampler(runtime: Runtime, model_id: str, name: str) -> str:
    """Save sampler weights (``sampler_weights/<name>``) and return the path."""
    request = SaveWeightsForSamplerRequest(model_id=model_id, path=name)
    future = await api.weights.save_for_sampler(runtime.invoker, request)
    saved = await runtime.resolver.resolve(
        future.request_id,
        result_type=SaveWeightsForSamplerResponse,
        request_type="SaveWeightsForSampler",
    )
    assert saved.path is not None
    return saved.path


async def save_external(runtime: Runtime, model_id: str, name: str) -> str:
    """Export weights (``external_weights/<name>``) and return the path."""
    request = SaveWeightsExternalRequest(model_id=model_id, path=name)
    future = await api.weights.save_external(runtime.invoker, request)
    saved = await runtime.resolver.resolve(
        future.request_id,
        result_type=SaveWeightsExternalResponse,
        request_type="SaveWeightsExternal",
    )
    assert saved.path is not None
    return saved.path
