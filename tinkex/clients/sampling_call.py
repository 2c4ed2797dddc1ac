"""`SampleCall`: the arguments of one `SamplingClient.sample` call and its attempt.

One slotted object instead of closures: a fan-out keeps thousands of calls in flight, and every
variable a closure captures is a separate garbage-collected cell, so closures made each pending
sample several times more expensive for the garbage collector to scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.clients.sampling_checks import check_sample_result
from tinkex.clients.sampling_submit import resolve_sample, submit_sample
from tinkex.domain.types import SampleRequest
from tinkex.errors import ClosedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tinkex.clients.futures import FutureTracker
    from tinkex.domain.types import ModelInput, SampleResponse, SamplingParams, TensorData
    from tinkex.ports.client import ClientContext

__all__ = ["SampleCall"]


class SampleCall:
    """Build each attempt's request, run the attempt, check its result.

    Args:
        prompt: The prompt.
        num_samples: Completions to draw.
        params: The sampling parameters.
        sampling_session_id: The sampling session the requests go to.
        record_stability_info: Ask the server for stability information.
        include_prompt_logprobs: Return the logprob of every prompt token.
        topk_prompt_logprobs: Top-k alternatives at every prompt position.
        topk_sample_logprobs: Top-k alternatives at every sampled position.
        target_prompt_logprobs: Token ids to score per prompt position.
        prompt_alt_tokens_k: Alternative tokens per prompt position.
        prompt_logprobs_last_n: Only compute prompt logprobs for the last n tokens.
        tracker: The future's tracker (told the request id of each submission).
        estimate: The prompt's dispatch estimate in bytes.
        next_seq: Gives the seq_id of each attempt's request.
    """

    __slots__ = (
        "estimate",
        "include_prompt_logprobs",
        "next_seq",
        "num_samples",
        "params",
        "prompt",
        "prompt_alt_tokens_k",
        "prompt_logprobs_last_n",
        "record_stability_info",
        "runtime",
        "sampling_session_id",
        "seq_id",
        "target_prompt_logprobs",
        "topk_prompt_logprobs",
        "topk_sample_logprobs",
        "tracker",
    )

    def __init__(
        self,
        *,
        prompt: ModelInput,
        num_samples: int,
        params: SamplingParams,
        sampling_session_id: str,
        record_stability_info: bool,
        include_prompt_logprobs: bool,
        topk_prompt_logprobs: int,
        topk_sample_logprobs: int,
        target_prompt_logprobs: TensorData | None,
        prompt_alt_tokens_k: int,
        prompt_logprobs_last_n: int | None,
        tracker: FutureTracker,
        estimate: int,
        next_seq: Callable[[], int],
    ) -> None:
        self.prompt = prompt
        self.num_samples = num_samples
        self.params = params
        self.sampling_session_id = sampling_session_id
        self.record_stability_info = record_stability_info
        self.include_prompt_logprobs = include_prompt_logprobs
        self.topk_prompt_logprobs = topk_prompt_logprobs
        self.topk_sample_logprobs = topk_sample_logprobs
        self.target_prompt_logprobs = target_prompt_logprobs
        self.prompt_alt_tokens_k = prompt_alt_tokens_k
        self.prompt_logprobs_last_n = prompt_logprobs_last_n
        self.tracker = tracker
        self.estimate = estimate
        self.next_seq = next_seq
        self.runtime: ClientContext | None = None
        self.seq_id = -1  # the current attempt's, taken when it starts

    def current_request(self) -> SampleRequest:
        """The request of the attempt in progress (built when the dispatcher sends it)."""
        return self.request(self.seq_id)

    def request(self, seq_id: int) -> SampleRequest:
        """The request of one attempt (each attempt has its own seq_id)."""
        return SampleRequest(
            num_samples=self.num_samples,
            prompt=self.prompt,
            sampling_params=self.params,
            sampling_session_id=self.sampling_session_id,
            seq_id=seq_id,
            prompt_logprobs=self.include_prompt_logprobs,
            topk_prompt_logprobs=self.topk_prompt_logprobs,
            topk_sample_logprobs=self.topk_sample_logprobs,
            target_prompt_logprobs=self.target_prompt_logprobs,
            prompt_alt_tokens_k=self.prompt_alt_tokens_k,
            prompt_logprobs_last_n=self.prompt_logprobs_last_n,
            record_stability_info=self.record_stability_info,
        )

    async def attempt(self) -> SampleResponse:
        """Submit a new request and poll its result (the retry handler calls this per try).

        Raises:
            ClosedError: `runtime` was not set before the first attempt.
        """
        runtime = self.runtime
        if runtime is None:
            raise ClosedError("the client stack is not started")
        # The seq_id is taken now, in call order; the request is built only once the
        # dispatcher lets it go, so a sample queued behind its limits holds none.
        self.seq_id = self.next_seq()
        submitted = await submit_sample(runtime, self, self.estimate)
        self.tracker.mark_submitted(submitted.request_id)
        response = await resolve_sample(runtime, submitted.request_id, self.tracker)
        return check_sample_result(
            response,
            submitted.sample_sequence_ids,
            prompt_length=self.prompt.length,
            prompt_alt_tokens_k=self.prompt_alt_tokens_k,
            prompt_logprobs_last_n=self.prompt_logprobs_last_n,
        )
