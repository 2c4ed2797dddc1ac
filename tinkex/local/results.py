"""Finished future results, renderable as JSON (both eras) or protobuf (0.38 clients)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tinkex.local.codec import tensor_json
from tinkex.local.reply import encode_json
from tinkex.proto.wire import (
    ForwardBackwardOutputArrays,
    SampleResponseArrays,
    SequenceArrays,
    TopkArrays,
    encode_forward_backward_output,
    encode_sample_response,
)

if TYPE_CHECKING:
    from tinkex.local.model import ForwardResult, SampleResult

__all__ = ["ForwardBackwardResult", "FutureResult", "JsonResult", "SampleResponseResult"]


class FutureResult(Protocol):
    """A finished request's payload."""

    def to_json(self) -> bytes:
        """The JSON body (the shape JSON-era clients validate)."""
        ...

    def to_proto(self) -> bytes | None:
        """The protobuf body, or None when the result type is JSON-only."""
        ...


@dataclass(frozen=True)
class JsonResult:
    """A result that is always JSON (CreateModel, OptimStep, SaveWeights...)."""

    payload: dict[str, object]

    def to_json(self) -> bytes:
        """Encode the payload."""
        return encode_json(self.payload)

    def to_proto(self) -> bytes | None:
        """JSON-only."""
        return None


@dataclass(frozen=True)
class ForwardBackwardResult:
    """A ForwardBackwardOutput: per-datum target log-probabilities plus metrics."""

    result: ForwardResult

    def to_json(self) -> bytes:
        """The JSON-era shape: ``loss_fn_output_type``, ``loss_fn_outputs``, ``metrics``."""
        return encode_json(
            {
                "loss_fn_output_type": "ArrayRecord",
                "loss_fn_outputs": [{"logprobs": tensor_json(lp)} for lp in self.result.logprobs],
                "metrics": dict(self.result.metrics),
            }
        )

    def to_proto(self) -> bytes | None:
        """The protobuf ForwardBackwardOutput."""
        outputs = [{"logprobs": np.asarray(lp, dtype=np.float32)} for lp in self.result.logprobs]
        return encode_forward_backward_output(
            ForwardBackwardOutputArrays(
                loss_fn_output_type="ArrayRecord",
                loss_fn_outputs=outputs,
                metrics=dict(self.result.metrics),
            )
        )


def _nullable(values: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else float(v) for v in values.tolist()]


@dataclass(frozen=True)
class SampleResponseResult:
    """A SampleResponse."""

    result: SampleResult

    def to_json(self) -> bytes:
        """The JSON-era shape: sequences, prompt_logprobs, top-k as ``[id, logprob]`` pairs."""
        res = self.result
        topk: list[object] | None = None
        if res.topk_prompt_logprobs is not None:
            ids, lps = res.topk_prompt_logprobs
            topk = [None]
            for row_ids, row_lps in zip(ids[1:].tolist(), lps[1:].tolist(), strict=True):
                topk.append([[i, lp] for i, lp in zip(row_ids, row_lps, strict=True)])
        return encode_json(
            {
                "type": "sample",
                "sequences": [
                    {
                        "stop_reason": seq.stop_reason,
                        "tokens": seq.tokens.astype(np.int64).tolist(),
                        "logprobs": seq.logprobs.astype(np.float64).tolist(),
                    }
                    for seq in res.sequences
                ],
                "prompt_logprobs": (
                    None if res.prompt_logprobs is None else _nullable(res.prompt_logprobs)
                ),
                "topk_prompt_logprobs": topk,
            }
        )

    def to_proto(self) -> bytes | None:
        """The protobuf SampleResponse."""
        res = self.result
        topk = None
        if res.topk_prompt_logprobs is not None:
            ids, lps = res.topk_prompt_logprobs
            topk = TopkArrays(token_ids=ids.astype(np.int32), logprobs=lps.astype(np.float32))
        sequences = [
            SequenceArrays(
                tokens=seq.tokens.astype(np.int32),
                logprobs=seq.logprobs.astype(np.float32),
                stop_reason=seq.stop_reason,
            )
            for seq in res.sequences
        ]
        return encode_sample_response(
            SampleResponseArrays(
                sequences=sequences,
                prompt_logprobs=res.prompt_logprobs,
                topk_prompt_logprobs=topk,
            )
        )
