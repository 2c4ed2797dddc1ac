"""Training with regularizers: forward_backward_custom on a base loss composed with penalties.

Tinkex ``structured_regularizers_live.exs``: the composed loss's metrics report each
regularizer's contribution and gradient norm at every step.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import numpy.typing as npt
from _common import parser, service_client, text_datum

from tinkex import types
from tinkex.regularizer import compose, entropy, l1, l2


def nll(
    data: list[Any], logprobs: list[npt.NDArray[Any]]
) -> tuple[float, list[npt.NDArray[Any]], dict[str, float]]:
    n = sum(lp.size for lp in logprobs)
    loss = -sum(float(lp.sum()) for lp in logprobs) / n
    return loss, [np.full(lp.shape, -1.0 / n) for lp in logprobs], {}


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    loss = compose(nll, [l1(1e-3), l2(1e-4, center=-2.0), entropy(0.05)])
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8, seed=0)
        tokenizer = training.get_tokenizer()
        data = [
            text_datum(tokenizer, "Regularized lines stay calm."),
            text_datum(tokenizer, "So do we."),
        ]
        totals = []
        for step in range(2 if args.quick else 5):
            output = await training.forward_backward_custom(data, loss)
            await training.optim_step(types.AdamParams(learning_rate=2e-2))
            m = output.metrics
            totals.append(m["loss:sum"])
            regs = ", ".join(
                f"{name}={m[f'reg/{name}:sum']:.4f}" for name in ("l1", "l2", "entropy")
            )
            print(
                f"step {step}: total {m['loss:sum']:.4f} base {m['base_loss:sum']:.4f} "
                f"[{regs}] grad_norm {m['grad_norm/total:mean']:.4f}"
            )
    return 0 if totals[-1] < totals[0] else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
