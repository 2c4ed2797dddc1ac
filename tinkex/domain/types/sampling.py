# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``sampling`` group."""

from typing import Any, Literal, TypeAlias

from tinkex.domain.mixins.sampling import (
    SampledSequenceMixin,
    SampleResponseMixin,
    TopkLogprobsMixin,
)
from tinkex.domain.types._base import Wire, always
from tinkex.domain.types.model_input import ModelInput, TensorData

__all__ = [
    "CreateSamplingSessionRequest",
    "CreateSamplingSessionResponse",
    "GetSamplerResponse",
    "JoinSamplingSessionRequest",
    "JoinSamplingSessionResponse",
    "PromptAltTokens",
    "SampleRequest",
    "SampleResponse",
    "SampleResponseJson",
    "SampleStreamChunk",
    "SampledSequence",
    "SampledSequenceJson",
    "SamplingParams",
    "StopReason",
    "TopkLogprobs",
]


class SamplingParams(Wire, frozen=True, kw_only=True):
    """Decoding settings; stop is a string, strings, or token ids (null = EOS)."""

    max_tokens: int | None = None
    seed: int | None = None
    stop: str | list[str | int] | None = None
    temperature: float = always(1.0)
    top_k: int = always(-1)
    top_p: float = always(1.0)


class CreateSamplingSessionRequest(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="create_sampling_session",
):
    """Create a sampling session; model_path must start with tinker://."""

    session_id: str
    sampling_session_seq_id: int
    base_model: str | None = None
    model_path: str | None = None


class CreateSamplingSessionResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="create_sampling_session",
):
    """The new sampling session."""

    sampling_session_id: str


class JoinSamplingSessionRequest(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="join_sampling_session",
):
    """Join an existing sampling session as a clone."""

    sampling_session_id: str


class JoinSamplingSessionResponse(
    Wire,
    frozen=True,
    kw_only=True,
    tag_field="type",
    tag="join_sampling_session",
):
    """The clone id."""

    client_counter: int


class SampleRequest(Wire, frozen=True, kw_only=True, tag_field="type", tag="sample"):
    """One sampling request."""

    num_samples: int = always(1)
    prompt: ModelInput
    sampling_params: SamplingParams
    base_model: str | None = None
    model_path: str | None = None
    sampling_session_id: str | None = None
    seq_id: int | None = None
    prompt_logprobs: bool | None = None
    topk_prompt_logprobs: int = always(0)
    topk_sample_logprobs: int = always(0)
    target_prompt_logprobs: TensorData | None = None
    prompt_alt_tokens_k: int = always(0)
    prompt_logprobs_last_n: int | None = None
    record_stability_info: bool | None = None


StopReason: TypeAlias = Literal["stop", "length"]
"""Why a sequence ended."""


class TopkLogprobs(TopkLogprobsMixin, Wire, frozen=True, kw_only=True):
    """Top-k table: token_ids int32 (n, k) and logprobs float32 (n, k); empty cell = (0, -99999)."""

    token_ids: Any
    logprobs: Any


class PromptAltTokens(Wire, frozen=True, kw_only=True):
    """Alternative tokens per prompt position, tokens int64 and logprobs float32 [len-1, k]."""

    tokens: Any
    logprobs: Any


class SampledSequenceJson(Wire, frozen=True, kw_only=True):
    """One sampled sequence as JSON-era servers send it (converted to SampledSequence)."""

    stop_reason: StopReason
    tokens: list[int]
    logprobs: list[float] | None = None


class SampleResponseJson(Wire, frozen=True, kw_only=True, tag_field="type", tag="sample"):
    """The sampling result as JSON-era servers send it (converted to SampleResponse)."""

    sequences: list[SampledSequenceJson]
    prompt_logprobs: list[float | None] | None = None
    topk_prompt_logprobs: list[list[tuple[int, float]] | None] | None = None
    prompt_cache_hit_tokens: int | None = None


class SampledSequence(SampledSequenceMixin, Wire, frozen=True, kw_only=True):
    """One sampled sequence; numpy fields plus lazy list views (tokens, logprobs)."""

    stop_reason: StopReason
    tokens_np: Any
    logprobs_np: Any | None = None
    topk_logprobs_np: TopkLogprobs | None = None
    sequence_id: str | None = None


class SampleResponse(SampleResponseMixin, Wire, frozen=True, kw_only=True):
    """Sampling result; numpy fields plus lazy list views (prompt_logprobs, ...)."""

    sequences: list[SampledSequence]
    prompt_logprobs_np: Any | None = None
    topk_prompt_logprobs_np: TopkLogprobs | None = None
    prompt_cache_hit_tokens: int = always(0)
    target_prompt_logprobs: TensorData | None = None
    prompt_alt_tokens: PromptAltTokens | None = None


class SampleStreamChunk(Wire, frozen=True, kw_only=True):
    """One server-sent event of stream_sample (Tinkex addition)."""

    token: str | None = None
    token_id: int | None = None
    index: int | None = None
    finish_reason: str | None = None
    total_tokens: int | None = None
    logprob: float | None = None
    event_type: Literal["token", "done", "error"] | None = None


class GetSamplerResponse(Wire, frozen=True, kw_only=True):
    """A sampler's base model and weights."""

    sampler_id: str
    base_model: str
    model_path: str | None = None
