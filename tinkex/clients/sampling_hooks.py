"""The domain hooks behind `SamplingClient`'s generated methods (``clients.sampling``).

Each public function here is named by a method of the manifest's ``clients.sampling`` and
called by `tinkex.clients.generated.sampling` with the client and the method's arguments:
the checks of a sample request, its admission and retries (`SampleCall`), streaming, and the
handles that move a client to another process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.clients.futures import APIFuture, FutureTracker
from tinkex.clients.operation_span import traced
from tinkex.clients.sampling_call import SampleCall
from tinkex.clients.sampling_checks import check_sample_args, prompt_bytes
from tinkex.clients.sampling_handle import LazyRuntime, SamplerHandle
from tinkex.config import Secret
from tinkex.domain.official import from_official
from tinkex.domain.types import ModelInput, SampleResponse, SamplingParams
from tinkex.errors import ValidationError
from tinkex.flows.tracing import tracing_enabled
from tinkex.tokenizer import Tokenizer
from tinkex.tokenizer import get_tokenizer as tokenizer_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tinkex.clients.generated.sampling import SamplingClient
    from tinkex.domain.types import SampleStreamChunk, TensorData

__all__ = [
    "check_sample_call",
    "compute_logprobs",
    "from_sampler_handle",
    "get_base_model",
    "get_sampler_handle",
    "get_tokenizer",
    "sample",
    "sample_stream",
]


def sample(
    client: SamplingClient,
    prompt: ModelInput,
    num_samples: int,
    sampling_params: SamplingParams | None,
    include_prompt_logprobs: bool,
    topk_prompt_logprobs: int,
    topk_sample_logprobs: int,
    target_prompt_logprobs: TensorData | None,
    prompt_alt_tokens_k: int,
    prompt_logprobs_last_n: int | None,
) -> APIFuture[SampleResponse]:
    """Check a sample request (`ValidationError` before anything is sent) and start it.

    `sampling_params` holds max_tokens, temperature, top_k, top_p, stop and seed;
    `target_prompt_logprobs` int64 ``[len(prompt)-1, K]`` token ids to score (-1 skips). Each
    returned sequence carries the server's `sequence_id`.
    """
    prompt, params, target_prompt_logprobs = check_sample_call(
        prompt,
        num_samples,
        sampling_params,
        include_prompt_logprobs,
        topk_prompt_logprobs,
        topk_sample_logprobs=topk_sample_logprobs,
        target_prompt_logprobs=target_prompt_logprobs,
        prompt_alt_tokens_k=prompt_alt_tokens_k,
        prompt_logprobs_last_n=prompt_logprobs_last_n,
    )
    tracker = FutureTracker("Sample", clock=client._clock, observers=client._observers)
    call = SampleCall(
        prompt=prompt,
        num_samples=num_samples,
        params=params,
        sampling_session_id=client.sampling_session_id,
        record_stability_info=client._record_stability_info,
        include_prompt_logprobs=include_prompt_logprobs,
        topk_prompt_logprobs=topk_prompt_logprobs,
        topk_sample_logprobs=topk_sample_logprobs,
        target_prompt_logprobs=target_prompt_logprobs,
        prompt_alt_tokens_k=prompt_alt_tokens_k,
        prompt_logprobs_last_n=prompt_logprobs_last_n,
        tracker=tracker,
        estimate=prompt_bytes(prompt),
        next_seq=client._next_seq,
    )
    observability = client._observability()
    work = client._run(call)
    if not observability.instruments.enabled and not tracing_enabled(observability.tracer):
        # The fan-out path: no operation to open, so no closure to build per sample.
        return APIFuture.start(work, tracker, name="tinkex-sample")
    return traced(
        observability, "Sample", lambda: APIFuture.start(work, tracker, name="tinkex-sample")
    )


def check_sample_call(
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
) -> tuple[ModelInput, SamplingParams, TensorData | None]:
    """Check `sample`'s arguments alone, in any thread (`ValidationError` names the bad one).

    `sample` calls it first; `tinkex.sync` calls it in the caller's thread, so a bad argument
    raises at the call and a good call starts without waiting for the loop thread.

    Returns:
        The prompt, the sampling parameters (defaults when None) and the target logprobs, as
        tinkex types (official SDK objects converted).
    """
    if not (
        type(prompt) is ModelInput
        and (sampling_params is None or type(sampling_params) is SamplingParams)
        and target_prompt_logprobs is None
    ):
        # An official SDK object among them (the usual tinkex types skip this per sample).
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
    return prompt, params, target_prompt_logprobs


def compute_logprobs(
    client: SamplingClient, prompt: ModelInput, prompt_logprobs_last_n: int | None
) -> APIFuture[list[float | None]]:
    """The logprob of every prompt token given the ones before it (the first is None)."""
    future = client.sample(
        prompt,
        num_samples=1,
        sampling_params=SamplingParams(max_tokens=1),
        include_prompt_logprobs=True,
        prompt_logprobs_last_n=prompt_logprobs_last_n,
    )
    return future.map(lambda response: list(response.prompt_logprobs or []))


def sample_stream(
    client: SamplingClient, prompt: ModelInput, sampling_params: SamplingParams | None
) -> AsyncIterator[SampleStreamChunk]:
    """Check, then stream one completion: a ``"token"`` chunk per token, then ``"done"``.

    Raises `ValidationError` here, before anything is sent; `UnsupportedByServerError` on the
    first iteration when the server does not stream (use `sample`).
    """
    prompt, sampling_params = from_official((prompt, sampling_params))
    params = sampling_params if sampling_params is not None else SamplingParams()
    check_sample_args(prompt, num_samples=1, params=params)
    return client._stream(prompt, params)


async def get_base_model(client: SamplingClient) -> str:
    """The base model this client samples from."""
    return client.base_model


def get_tokenizer(client: SamplingClient) -> Tokenizer:
    """The tokenizer of the base model."""
    source = client._source
    local = not isinstance(source, LazyRuntime) and source.config.is_local
    return tokenizer_for(client.base_model, local=local)


def get_sampler_handle(client: SamplingClient) -> str:
    """A string that rebuilds the client anywhere (`from_sampler_handle`); no API key in it.

    Raises `ConfigError` for a client of the in-process embedded backend.
    """
    return client._handle().encode()


def from_sampler_handle(
    client_class: type[SamplingClient], handle: str, api_key: str | Secret | None
) -> SamplingClient:
    """Rebuild a client from `get_sampler_handle` with this process's credentials.

    Nothing is sent until the first request; then a client stack is started that joins the
    original session (its own heartbeats; `aclose` it when done). `api_key` None reads
    ``TINKER_API_KEY`` on first use. `ValidationError`: a malformed handle or API key.
    """
    decoded = SamplerHandle.decode(handle)
    if api_key is not None and not isinstance(api_key, str | Secret):
        raise ValidationError(
            f"must be a string, a Secret or None, got {type(api_key).__name__}", field="api_key"
        )
    return client_class(
        LazyRuntime(decoded, api_key),
        sampling_session_id=decoded.sampling_session_id,
        base_model=decoded.base_model,
        model_path=decoded.model_path,
        record_stability_info=decoded.record_stability_info,
        session_id=decoded.session_id,
    )
