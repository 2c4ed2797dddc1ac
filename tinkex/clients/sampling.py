"""SamplingClient: sampling and prompt logprobs from a base model or saved sampler weights.

`sample` validates its arguments, then runs each attempt under the sampling dispatcher (count
and byte limits; a 429 slows the caller down instead of failing it) inside the session's retry
handler (retries with backoff, stuck detection), and polls the result.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, cast

from tinkex import api
from tinkex.clients.futures import APIFuture, FutureTracker
from tinkex.domain.chunking import estimate_prompt_bytes
from tinkex.domain.headers import sdk_method
from tinkex.domain.paths import require_kind
from tinkex.domain.sampling_params import validate_sample_args
from tinkex.domain.types import (
    CreateSamplingSessionRequest,
    EncodedTextChunk,
    ImageAssetPointerChunk,
    ImageChunk,
    ModelInput,
    SampledSequence,
    SampleRequest,
    SampleResponse,
    SamplingParams,
    TensorData,
    UntypedAPIFuture,
)
from tinkex.errors import RateLimitError, ValidationError
from tinkex.flows.queue_state import QueueStateLogger
from tinkex.tokenizer import Tokenizer, get_tokenizer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.futures import QueueStateObserver

__all__ = ["SamplingClient", "create_sampling_client"]


class SamplingClient:
    """Sample from one sampling session (a base model, or saved sampler weights).

    Obtained from `ServiceClient.create_sampling_client` or
    `TrainingClient.save_weights_and_get_sampling_client`.

    Attributes:
        sampling_session_id: The server's sampling session id.
        base_model: The base model sampled from (or underlying the saved weights).
        model_path: The ``tinker://`` sampler weights, when sampling from a checkpoint.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        sampling_session_id: str,
        base_model: str,
        model_path: str | None = None,
        record_stability_info: bool = False,
        observers: Sequence[QueueStateObserver] = (),
    ) -> None:
        self._runtime = runtime
        self.sampling_session_id = sampling_session_id
        self.base_model = base_model
        self.model_path = model_path
        self._record_stability_info = record_stability_info
        self._seq = itertools.count()
        self._observers = (
            QueueStateLogger.for_sampling(
                sampling_session_id, clock=runtime.clock, logger=runtime.logger
            ),
            *observers,
        )

    def __repr__(self) -> str:
        return (
            f"<SamplingClient sampling_session_id={self.sampling_session_id!r} "
            f"base_model={self.base_model!r}>"
        )

    def sample(
        self,
        prompt: ModelInput,
        num_samples: int = 1,
        sampling_params: SamplingParams | None = None,
        include_prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
        *,
        topk_sample_logprobs: int = 0,
        prompt_logprobs_last_n: int | None = None,
        target_prompt_logprobs: TensorData | None = None,
        prompt_alt_tokens_k: int = 0,
    ) -> APIFuture[SampleResponse]:
        """Draw `num_samples` completions of `prompt`.

        Args:
            prompt: The prompt.
            num_samples: Completions to draw.
            sampling_params: max_tokens, temperature, top_k, top_p, stop, seed.
            include_prompt_logprobs: Also return the logprob of every prompt token.
            topk_prompt_logprobs: Also return the top-k alternatives at every prompt position.
            topk_sample_logprobs: Top-k alternatives at every sampled position.
            prompt_logprobs_last_n: Only compute prompt logprobs for the last n tokens.
            target_prompt_logprobs: int64 ``[len(prompt)-1, K]`` token ids to score.
            prompt_alt_tokens_k: Alternative tokens per prompt position.

        Raises:
            ValidationError: A bad argument (before anything is sent).
        """
        with sdk_method("SamplingClient.sample"):
            params = sampling_params if sampling_params is not None else SamplingParams()
            _check_prompt(prompt)
            validate_sample_args(
                num_samples=num_samples,
                max_tokens=params.max_tokens,
                temperature=params.temperature,
                top_k=params.top_k,
                top_p=params.top_p,
                stop=cast("str | Sequence[str] | Sequence[int] | None", params.stop),
                seed=params.seed,
                include_prompt_logprobs=include_prompt_logprobs,
                topk_prompt_logprobs=topk_prompt_logprobs,
                topk_sample_logprobs=topk_sample_logprobs,
                prompt_alt_tokens_k=prompt_alt_tokens_k,
                prompt_logprobs_last_n=prompt_logprobs_last_n,
                prompt_length=prompt.length,
                target_prompt_logprobs_shape=(
                    None if target_prompt_logprobs is None else target_prompt_logprobs.shape
                ),
            )
            tracker = FutureTracker("Sample", clock=self._runtime.clock, observers=self._observers)

            def build(seq_id: int) -> SampleRequest:
                return SampleRequest(
                    num_samples=num_samples,
                    prompt=prompt,
                    sampling_params=params,
                    sampling_session_id=self.sampling_session_id,
                    seq_id=seq_id,
                    prompt_logprobs=include_prompt_logprobs,
                    topk_prompt_logprobs=topk_prompt_logprobs,
                    topk_sample_logprobs=topk_sample_logprobs,
                    target_prompt_logprobs=target_prompt_logprobs,
                    prompt_alt_tokens_k=prompt_alt_tokens_k,
                    prompt_logprobs_last_n=prompt_logprobs_last_n,
                    record_stability_info=self._record_stability_info,
                )

            return APIFuture.start(
                self._run(build, _prompt_bytes(prompt), tracker), tracker, name="tinkex-sample"
            )

    def compute_logprobs(self, prompt: ModelInput) -> APIFuture[list[float | None]]:
        """The logprob of every prompt token given the ones before it (the first is None)."""
        with sdk_method("SamplingClient.compute_logprobs"):
            future = self.sample(
                prompt,
                num_samples=1,
                sampling_params=SamplingParams(max_tokens=1),
                include_prompt_logprobs=True,
            )
        return future.map(lambda response: list(response.prompt_logprobs or []))

    async def _run(
        self, build: Callable[[int], SampleRequest], estimate: int, tracker: FutureTracker
    ) -> SampleResponse:
        runtime = self._runtime
        handler = runtime.sampling_retries.for_session(self.sampling_session_id)

        async def attempt() -> SampleResponse:
            # Each attempt (and each retry) is a new request with a new seq_id.
            request = build(next(self._seq))

            async def send() -> UntypedAPIFuture | None:
                try:
                    return await api.sampling.asample(runtime.invoker, request)
                except RateLimitError:
                    return None  # backpressure: the dispatcher backs off and resends

            submitted = await runtime.dispatcher.dispatch(estimate, send)
            tracker.mark_submitted(submitted.request_id)
            response = await runtime.resolver.resolve(
                submitted.request_id,
                result_type=SampleResponse,
                request_type="Sample",
                observer=tracker,
                created_roundtrip_s=tracker.created_roundtrip_s(),
            )
            return _stamp_sequence_ids(response, submitted.sample_sequence_ids)

        return await handler.execute(attempt)

    def get_tokenizer(self) -> Tokenizer:
        """The tokenizer of the base model."""
        return get_tokenizer(self.base_model, local=self._runtime.config.is_local)

    async def get_base_model(self) -> str:
        """The base model this client samples from."""
        return self.base_model


def _check_prompt(prompt: ModelInput) -> None:
    if not isinstance(prompt, ModelInput):
        raise ValidationError(f"expected a ModelInput, got {type(prompt).__name__}", field="prompt")
    if prompt.length == 0:
        raise ValidationError("the prompt is empty", field="prompt")


def _prompt_bytes(prompt: ModelInput) -> int:
    tokens = sum(len(c.tokens) for c in prompt.chunks if isinstance(c, EncodedTextChunk))
    blobs = sum(len(c.data) for c in prompt.chunks if isinstance(c, ImageChunk))
    blobs += sum(len(c.location) for c in prompt.chunks if isinstance(c, ImageAssetPointerChunk))
    return estimate_prompt_bytes(tokens, blobs)


def _stamp_sequence_ids(response: SampleResponse, sequence_ids: list[str] | None) -> SampleResponse:
    if not sequence_ids or len(sequence_ids) != len(response.sequences):
        return response
    stamped = [
        SampledSequence(
            stop_reason=seq.stop_reason,
            tokens=seq.tokens,
            logprobs=seq.logprobs,
            sequence_id=sequence_id,
        )
        for seq, sequence_id in zip(response.sequences, sequence_ids, strict=True)
    ]
    return SampleResponse(
        sequences=stamped,
        prompt_logprobs=response.prompt_logprobs,
        topk_prompt_logprobs=response.topk_prompt_logprobs,
        prompt_cache_hit_tokens=response.prompt_cache_hit_tokens,
    )


async def create_sampling_client(
    runtime: Runtime,
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
    session_id = await runtime.session_id()
    response = await api.sampling.create_session(
        runtime.invoker,
        CreateSamplingSessionRequest(
            session_id=session_id,
            sampling_session_seq_id=runtime.next_sampling_session_seq_id(),
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
    )
