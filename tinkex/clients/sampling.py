"""SamplingClient: sampling and prompt logprobs from a base model or saved sampler weights.

`sample` validates its arguments, then runs each attempt under the sampling dispatcher (count
and byte limits; a 429 slows the caller down instead of failing it) inside the session's retry
handler (retries with backoff, stuck detection), and polls the result: protobuf into numpy
fields (list views are lazy), or JSON on a JSON-era server. `sample_stream` streams tokens.

A client can move to another process: `get_sampler_handle` / `from_sampler_handle`, or plain
pickling (which also carries the API key). The rebuilt client starts its own client stack on
first use and joins the original session (see `tinkex.clients.sampling_handle`); clients of
the in-process embedded backend refuse to be exported, because no other process can reach it.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Self

from tinkex import api
from tinkex.adapters.clock import SystemClock
from tinkex.clients.futures import APIFuture, FutureTracker
from tinkex.clients.official_names import SamplingClientOfficialNames
from tinkex.clients.operation_span import global_observability, traced
from tinkex.clients.sampling_call import SampleCall
from tinkex.clients.sampling_checks import check_sample_args, prompt_bytes
from tinkex.clients.sampling_handle import (
    CLONE_SEQ_STRIDE,
    LazyRuntime,
    SamplerHandle,
    clone_seq_start,
    handle_for,
)
from tinkex.config import Secret
from tinkex.domain.headers import sdk_method
from tinkex.domain.official import from_official
from tinkex.domain.paths import require_kind
from tinkex.domain.types import (
    CreateSamplingSessionRequest,
    ModelInput,
    SampleRequest,
    SampleResponse,
    SamplingParams,
    TensorData,
)
from tinkex.domain.wire_checks import check_observer
from tinkex.errors import ClosedError, ValidationError
from tinkex.flows.queue_state import QueueStateLogger
from tinkex.tokenizer import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Sequence

    from tinkex.domain.types import SampleStreamChunk
    from tinkex.flows.observability import Observability
    from tinkex.ports.client import ClientContext
    from tinkex.ports.clock import Clock
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["CLONE_SEQ_STRIDE", "SamplingClient", "create_sampling_client"]


class SamplingClient(SamplingClientOfficialNames):
    """Sample from one sampling session (a base model, or saved sampler weights).

    Obtained from `ServiceClient.create_sampling_client`,
    `TrainingClient.save_weights_and_get_sampling_client`, `from_sampler_handle`, or by
    unpickling one.

    Attributes:
        sampling_session_id: The server's sampling session id.
        base_model: The base model sampled from (or underlying the saved weights).
        model_path: The ``tinker://`` sampler weights, when sampling from a checkpoint.
    """

    def __init__(
        self,
        runtime: ClientContext | LazyRuntime,
        *,
        sampling_session_id: str,
        base_model: str,
        model_path: str | None = None,
        record_stability_info: bool = False,
        observers: Sequence[QueueStateObserver] = (),
        session_id: str | None = None,
    ) -> None:
        # A ClientContext is shared with the ServiceClient; a LazyRuntime (rebuilt clients) is ours.
        self._source = runtime
        self.sampling_session_id = sampling_session_id
        self.base_model = base_model
        self.model_path = model_path
        self._record_stability_info = record_stability_info
        self._session_id = session_id
        # The original numbers its requests from 0; a clone learns its start on first use.
        self._seq: Iterator[int] | None = None
        if isinstance(runtime, LazyRuntime):
            self._clock: Clock = SystemClock()
            logger = None
        else:
            self._seq, self._clock, logger = itertools.count(), runtime.clock, runtime.logger
        self._observers = (
            QueueStateLogger.for_sampling(sampling_session_id, clock=self._clock, logger=logger),
            *observers,
        )

    def __repr__(self) -> str:
        return (
            f"<SamplingClient sampling_session_id={self.sampling_session_id!r} "
            f"base_model={self.base_model!r}>"
        )

    # -- sampling ------------------------------------------------------------------------

    def sample(
        self,
        prompt: ModelInput,
        num_samples: int = 1,
        sampling_params: SamplingParams | None = None,
        include_prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
        *,
        topk_sample_logprobs: int = 0,
        target_prompt_logprobs: TensorData | None = None,
        prompt_alt_tokens_k: int = 0,
        prompt_logprobs_last_n: int | None = None,
    ) -> APIFuture[SampleResponse]:
        """Draw `num_samples` completions of `prompt`.

        Args:
            prompt: The prompt.
            num_samples: Completions to draw.
            sampling_params: max_tokens, temperature, top_k, top_p, stop, seed.
            include_prompt_logprobs: Also return the logprob of every prompt token.
            topk_prompt_logprobs: Also return the top-k alternatives at every prompt position.
            topk_sample_logprobs: Top-k alternatives at every sampled position.
            target_prompt_logprobs: int64 ``[len(prompt)-1, K]`` token ids to score (-1 skips).
            prompt_alt_tokens_k: Alternative tokens per prompt position.
            prompt_logprobs_last_n: Only compute prompt logprobs for the last n tokens.

        Returns:
            A future of the response; each sequence carries the server's `sequence_id`.

        Raises:
            ValidationError: A bad argument (raised here, before anything is sent).
        """
        with sdk_method("SamplingClient.sample"):
            prompt, sampling_params, target_prompt_logprobs = from_official(
                (prompt, sampling_params, target_prompt_logprobs)
            )
            params = sampling_params if sampling_params is not None else SamplingParams()
            check_sample_args(
                prompt,
                num_samples=num_samples,
                params=params,
                include_prompt_logprobs=include_prompt_logprobs,
                topk_prompt_logprobs=topk_prompt_logprobs,
                topk_sample_logprobs=topk_sample_logprobs,
                target_prompt_logprobs=target_prompt_logprobs,
                prompt_alt_tokens_k=prompt_alt_tokens_k,
                prompt_logprobs_last_n=prompt_logprobs_last_n,
            )
            tracker = FutureTracker("Sample", clock=self._clock, observers=self._observers)
            call = SampleCall(
                prompt=prompt,
                num_samples=num_samples,
                params=params,
                sampling_session_id=self.sampling_session_id,
                record_stability_info=self._record_stability_info,
                include_prompt_logprobs=include_prompt_logprobs,
                topk_prompt_logprobs=topk_prompt_logprobs,
                topk_sample_logprobs=topk_sample_logprobs,
                target_prompt_logprobs=target_prompt_logprobs,
                prompt_alt_tokens_k=prompt_alt_tokens_k,
                prompt_logprobs_last_n=prompt_logprobs_last_n,
                tracker=tracker,
                estimate=prompt_bytes(prompt),
                next_seq=self._next_seq,
            )
            return traced(
                self._observability(),
                "Sample",
                lambda: APIFuture.start(self._run(call), tracker, name="tinkex-sample"),
            )

    def compute_logprobs(
        self, prompt: ModelInput, prompt_logprobs_last_n: int | None = None
    ) -> APIFuture[list[float | None]]:
        """The logprob of every prompt token given the ones before it (the first is None).

        Args:
            prompt: The prompt to score.
            prompt_logprobs_last_n: Only score the last n tokens (the others are None).

        Raises:
            ValidationError: A bad argument (raised here, before anything is sent).
        """
        with sdk_method("SamplingClient.compute_logprobs"):
            future = self.sample(
                prompt,
                num_samples=1,
                sampling_params=SamplingParams(max_tokens=1),
                include_prompt_logprobs=True,
                prompt_logprobs_last_n=prompt_logprobs_last_n,
            )
        return future.map(lambda response: list(response.prompt_logprobs or []))

    def sample_stream(
        self, prompt: ModelInput, sampling_params: SamplingParams | None = None
    ) -> AsyncIterator[SampleStreamChunk]:
        """Stream one completion token by token (``stream_sample``, a Tinkex addition).

        Yields:
            A ``"token"`` chunk per sampled token, then a ``"done"`` chunk.

        Raises:
            ValidationError: A bad argument (raised here, before anything is sent).
            UnsupportedByServerError: The server does not stream (use `sample`).
        """
        with sdk_method("SamplingClient.sample_stream"):
            prompt, sampling_params = from_official((prompt, sampling_params))
            params = sampling_params if sampling_params is not None else SamplingParams()
            check_sample_args(prompt, num_samples=1, params=params)
        return self._stream(prompt, params)

    async def _stream(
        self, prompt: ModelInput, params: SamplingParams
    ) -> AsyncIterator[SampleStreamChunk]:
        runtime = await self._get_runtime()
        request = SampleRequest(
            prompt=prompt,
            sampling_params=params,
            sampling_session_id=self.sampling_session_id,
            seq_id=self._next_seq(),
        )
        # Imported on first use: streaming is a rarely used Tinkex addition.
        from tinkex.clients.sampling_stream import stream_sample

        async for chunk in stream_sample(runtime, request):
            yield chunk

    async def _run(self, call: SampleCall) -> SampleResponse:
        call.runtime = await self._get_runtime()
        handler = call.runtime.sampling_retries.for_session(self.sampling_session_id)
        return await handler.execute(call.attempt)

    # -- runtime, handles and pickling -------------------------------------------------------

    def add_queue_state_observer(self, observer: QueueStateObserver) -> None:
        """Tell `observer` the queue states of every sample submitted from now on.

        Raises:
            ValidationError: `observer` has no ``on_queue_state_change`` method.
        """
        self._observers = (*self._observers, check_observer(observer))

    def _observability(self) -> Observability:
        # A rebuilt client has no runtime yet at call time: the global tracer and meter.
        if isinstance(self._source, LazyRuntime):
            return global_observability()
        return self._source.observability

    async def _get_runtime(self) -> ClientContext:
        if not isinstance(self._source, LazyRuntime):
            return self._source
        runtime = await self._source.get()
        if self._seq is None:
            self._seq = itertools.count(await clone_seq_start(runtime, self.sampling_session_id))
        return runtime

    def _next_seq(self) -> int:
        if self._seq is None:  # only a rebuilt client before its stack started
            raise ClosedError("the client stack is not started")
        return next(self._seq)

    def get_sampler_handle(self) -> str:
        """A string that rebuilds this client anywhere (`from_sampler_handle`); no API key.

        Raises:
            ConfigError: The client talks to the in-process embedded backend.
        """
        return self._handle().encode()

    def _handle(self) -> SamplerHandle:
        if isinstance(self._source, LazyRuntime):
            return self._source.handle
        return handle_for(
            self._source,
            session_id=self._session_id,
            sampling_session_id=self.sampling_session_id,
            base_model=self.base_model,
            model_path=self.model_path,
            record_stability_info=self._record_stability_info,
        )

    @classmethod
    def from_sampler_handle(
        cls, handle: str, *, api_key: str | Secret | None = None
    ) -> SamplingClient:
        """Rebuild a client from `get_sampler_handle` with this process's credentials.

        Nothing is sent until the first request; then a client stack is started that joins
        the original session (its own heartbeats; `aclose` it when done).

        Args:
            handle: The handle string.
            api_key: The API key; None reads ``TINKER_API_KEY`` on first use.

        Raises:
            ValidationError: The handle is malformed, or the API key is not a string.
        """
        decoded = SamplerHandle.decode(handle)
        if api_key is not None and not isinstance(api_key, str | Secret):
            raise ValidationError(
                f"must be a string, a Secret or None, got {type(api_key).__name__}",
                field="api_key",
            )
        return cls(
            LazyRuntime(decoded, api_key),
            sampling_session_id=decoded.sampling_session_id,
            base_model=decoded.base_model,
            model_path=decoded.model_path,
            record_stability_info=decoded.record_stability_info,
            session_id=decoded.session_id,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # The API key travels with a pickle (unlike a handle), as the official SDK does.
        source = self._source
        api_key = source.api_key if isinstance(source, LazyRuntime) else source.config.api_key
        return (_unpickle, (self._handle().encode(), api_key))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client stack this client started itself (rebuilt clients only).

        Clients made by a ServiceClient share its stack; closing them does nothing.
        """
        if isinstance(self._source, LazyRuntime):
            await self._source.aclose()

    # -- information -----------------------------------------------------------------------

    def get_tokenizer(self) -> Tokenizer:
        """The tokenizer of the base model."""
        local = not isinstance(self._source, LazyRuntime) and self._source.config.is_local
        return get_tokenizer(self.base_model, local=local)

    async def get_base_model(self) -> str:
        """The base model this client samples from."""
        return self.base_model


def _unpickle(handle: str, api_key: str | Secret | None) -> SamplingClient:
    return SamplingClient.from_sampler_handle(handle, api_key=api_key)


async def create_sampling_client(
    runtime: ClientContext,
    *,
    model_path: str | None = None,
    base_model: str | None = None,
    record_stability_info: bool = False,
) -> SamplingClient:
    """Create a sampling session for a base model or saved sampler weights.

    Raises:
        ValidationError: Neither given, or `model_path` is not a sampler checkpoint.
    """
    if model_path is None and base_model is None:
        raise ValidationError("give model_path or base_model", field="model_path")
    if model_path is not None:
        require_kind(model_path, {"sampler"}, field="model_path")
    session_id = await runtime.session.ensure_session()
    response = await api.sampling.create_session(
        runtime.invoker,
        CreateSamplingSessionRequest(
            session_id=session_id,
            sampling_session_seq_id=runtime.session.next_sampling_session_seq_id(),
            base_model=base_model if model_path is None else None,
            model_path=model_path,
        ),
    )
    resolved_base = base_model
    if resolved_base is None:
        sampler = await api.rest.get_sampler(
            runtime.invoker, sampler_id=response.sampling_session_id
        )
        resolved_base = sampler.base_model
    return SamplingClient(
        runtime,
        sampling_session_id=response.sampling_session_id,
        base_model=resolved_base,
        model_path=model_path,
        record_stability_info=record_stability_info,
        session_id=session_id,
    )
