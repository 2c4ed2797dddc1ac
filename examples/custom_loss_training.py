"""forward_backward_custom: train on a loss computed in this process from the server's logprobs.

Tinkex ``custom_loss_training.exs``: the loss is the mean negative logprob, with a
``custom_perplexity`` metric, then one optim_step at lr 1e-4 (2e-2 here: the tiny model).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from _common import parser, service_client, text_datum

from tinkex import types


def mean_nll(
    data: list[Any], logprobs: list[npt.NDArray[Any]]
) -> tuple[float, list[npt.NDArray[Any]], dict[str, float]]:
    """-mean(logprobs) over all target tokens, its gradient, and the perplexity."""
    count = sum(lp.size for lp in logprobs)
    loss = -sum(float(lp.sum()) for lp in logprobs) / count
    grads = [np.full(lp.shape, -1.0 / count) for lp in logprobs]
    return loss, grads, {"custom_perplexity": math.exp(loss)}


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8, seed=0)
        tokenizer = training.get_tokenizer()
        data = [
            text_datum(tokenizer, "Name three planets: Mercury, Venus, Earth."),
            text_datum(tokenizer, "Name three colours: red, green, blue."),
        ]
        first = last = None
        outputs_per_datum = 0
        for step in range(2 if args.quick else 5):
            output = await training.forward_backward_custom(data, mean_nll)
            await training.optim_step(types.AdamParams(learning_rate=2e-2))
            metrics = output.metrics
            print(
                f"step {step}: loss {metrics['loss:sum']:.4f}  "
                f"perplexity {metrics['custom_perplexity']:.2f}  "
                f"surrogate {metrics.get('surrogate_loss:sum', float('nan')):.4f}"
            )
            first = metrics["loss:sum"] if first is None else first
            last = metrics["loss:sum"]
            outputs_per_datum = len(output.loss_fn_outputs)
        print(f"outputs per datum: {outputs_per_datum}")
    return 0 if last is not None and first is not None and last < first else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
