# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""`tinkex.SamplingClient`: the class its manifest entry declares.

Generated from ``clients.sampling`` and the flows of that client, on the hand-written
`SamplingClientCore` (``tinkex.clients.sampling_core:SamplingClientCore``) and the domain hooks of
``tinkex.clients.sampling_hooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.clients import sampling_hooks
from tinkex.clients.official_names import SamplingClientOfficialNames
from tinkex.clients.sampling_core import SamplingClientCore
from tinkex.domain.headers import sdk_method

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tinkex import APIFuture
    from tinkex.config import Secret
    from tinkex.domain.types import (
        ModelInput,
        SampleResponse,
        SampleStreamChunk,
        SamplingParams,
        TensorData,
    )
    from tinkex.tokenizer import Tokenizer

__all__ = ["SamplingClient"]


class SamplingClient(SamplingClientOfficialNames, SamplingClientCore):
    """Sample from one sampling session (a base model, or saved sampler weights).

    Obtained from `ServiceClient.create_sampling_client`,
    `TrainingClient.save_weights_and_get_sampling_client`, `from_sampler_handle`, or by
    unpickling one.

    Attributes:
        sampling_session_id: The server's sampling session id.
        base_model: The base model sampled from (or underlying the saved weights).
        model_path: The ``tinker://`` sampler weights, when sampling from a checkpoint.
    """

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
        """Draw num_samples completions of a prompt.

        Answered by the ``sample`` domain hook.
        """
        with sdk_method("SamplingClient.sample"):
            return sampling_hooks.sample(
                client=self,
                prompt=prompt,
                num_samples=num_samples,
                sampling_params=sampling_params,
                include_prompt_logprobs=include_prompt_logprobs,
                topk_prompt_logprobs=topk_prompt_logprobs,
                topk_sample_logprobs=topk_sample_logprobs,
                target_prompt_logprobs=target_prompt_logprobs,
                prompt_alt_tokens_k=prompt_alt_tokens_k,
                prompt_logprobs_last_n=prompt_logprobs_last_n,
            )

    def sample_stream(
        self, prompt: ModelInput, sampling_params: SamplingParams | None = None
    ) -> AsyncIterator[SampleStreamChunk]:
        """Stream one completion token by token (a tinkex addition; sampling.stream_sample).

        Answered by the ``sample_stream`` domain hook.
        """
        return sampling_hooks.sample_stream(
            client=self, prompt=prompt, sampling_params=sampling_params
        )

    def compute_logprobs(
        self, prompt: ModelInput, prompt_logprobs_last_n: int | None = None
    ) -> APIFuture[list[float | None]]:
        """The logprob of every prompt token given the ones before it.

        Answered by the ``compute_logprobs`` domain hook.
        """
        with sdk_method("SamplingClient.compute_logprobs"):
            return sampling_hooks.compute_logprobs(
                client=self, prompt=prompt, prompt_logprobs_last_n=prompt_logprobs_last_n
            )

    async def get_base_model(self) -> str:
        """The base model the sampler runs (asked of rest.get_sampler once, if unknown).

        Answered by the ``get_base_model`` domain hook.
        """
        with sdk_method("SamplingClient.get_base_model"):
            return await sampling_hooks.get_base_model(client=self)

    def get_tokenizer(self) -> Tokenizer:
        """The tokenizer of the base model.

        Answered by the ``get_tokenizer`` domain hook.
        """
        return sampling_hooks.get_tokenizer(client=self)

    def get_sampler_handle(self) -> str:
        """A string another process can rebuild this client from (no credentials in it).

        Answered by the ``get_sampler_handle`` domain hook.
        """
        return sampling_hooks.get_sampler_handle(client=self)

    @classmethod
    def from_sampler_handle(
        cls, handle: str, *, api_key: str | Secret | None = None
    ) -> SamplingClient:
        """Rebuild a SamplingClient from get_sampler_handle's string, with local credentials.

        Answered by the ``from_sampler_handle`` domain hook.
        """
        return sampling_hooks.from_sampler_handle(client_class=cls, handle=handle, api_key=api_key)
