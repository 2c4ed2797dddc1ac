"""Client-side custom losses: the two-phase trick of forward_backward_custom.

Phase 1 runs a cross-entropy *forward* on the batch (only ``target_tokens`` and ``weights``
are sent) to get every token's logprob. The user's loss runs here, on those logprobs, and
returns its gradient with respect to each. Phase 2 runs a cross-entropy *forward_backward*
on the same chunks with ``weights = -gradient``: since the server's loss is
``sum(-logprob * weight)``, its gradient equals the user's. Request ids for both phases are
reserved up front, so later calls queue behind both; a failure between the phases poisons
the client, because the server's view of the sequence is then unknowable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from tinkex.domain.custom_loss import merge_custom_metrics
from tinkex.domain.custom_loss import (
    run_custom_loss as evaluate_loss,
)
from tinkex.domain.custom_loss_inputs import surrogate_backward_inputs, surrogate_forward_inputs
from tinkex.domain.types import Datum, ForwardBackwardOutput

if TYPE_CHECKING:
    from tinkex.clients.futures import FutureTracker
    from tinkex.clients.training_submitter import TrainingSubmitter
    from tinkex.domain.custom_loss import CustomLossFn

__all__ = ["CustomLoss", "forward_chunks", "run_custom_loss"]

CustomLoss: TypeAlias = "CustomLossFn[Datum]"
"""``loss(data, logprobs) -> (loss value, d loss / d logprobs per datum, metrics)``, numpy."""


def forward_chunks(chunks: list[list[Datum]]) -> list[list[Datum]]:
    """The chunks of the forward pass: each datum with only targets and weights.

    Raises:
        ValidationError: A datum has no ``target_tokens`` (the field names its index).
    """
    out: list[list[Datum]] = []
    index = 0
    for chunk in chunks:
        converted = []
        for datum in chunk:
            inputs = surrogate_forward_inputs(datum.loss_fn_inputs, index=index)
            converted.append(_with_inputs(datum, inputs))
            index += 1
        out.append(converted)
    return out


async def run_custom_loss(
    submitter: TrainingSubmitter,
    chunks: list[list[Datum]],
    forward_data: list[list[Datum]],
    first: int,
    loss_fn: CustomLoss,
    tracker: FutureTracker,
) -> ForwardBackwardOutput:
    """Run both phases on the ids ``first .. first + 2*len(chunks) - 1`` reserved for them.

    Args:
        submitter: The training client's submitter (its turns and chunk submission).
        chunks: The user's data, chunked.
        forward_data: The same chunks as `forward_chunks` made them.
        first: The first reserved request id.
        loss_fn: The user's loss.
        tracker: The future's tracker.
    """
    count = len(chunks)
    try:
        forward = await submitter.run_chunks(
            forward_data, first, "cross_entropy", None, forward_only=True, tracker=tracker
        )
        data = [datum for chunk in chunks for datum in chunk]
        logprobs: list[np.ndarray[Any, np.dtype[np.floating[Any]]]] = [
            np.asarray(output["logprobs"].to_numpy(), dtype=np.float64)
            for output in forward.loss_fn_outputs
        ]
        evaluated = evaluate_loss(loss_fn, data, logprobs)
        # surrogate_backward_inputs negates the gradient itself (weights = -grad).
        grads = iter(evaluated.grads)
        backward_chunks = [
            [
                _with_inputs(d, surrogate_backward_inputs(d.loss_fn_inputs, next(grads)))
                for d in chunk
            ]
            for chunk in chunks
        ]
        backward = await submitter.run_chunks(
            backward_chunks,
            first + count,
            "cross_entropy",
            None,
            forward_only=False,
            tracker=tracker,
        )
    except BaseException as exc:
        # The server may hold one phase and not the other: nothing later is safe to send.
        submitter.sequencer.poison(exc)
        raise
    metrics = merge_custom_metrics(backward.metrics, evaluated.loss, evaluated.metrics)
    return ForwardBackwardOutput(
        loss_fn_output_type=backward.loss_fn_output_type,
        loss_fn_outputs=backward.loss_fn_outputs,
        metrics=metrics,
    )


def _with_inputs(datum: Datum, inputs: dict[str, Any]) -> Datum:
    return Datum(
        model_input=datum.model_input,
        loss_fn_inputs=inputs,
        model_input_spans=datum.model_input_spans,
        loss_fn_input_spans=datum.loss_fn_input_spans,
    )
