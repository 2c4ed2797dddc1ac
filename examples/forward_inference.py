"""Forward-only inference: per-token logprobs of a text, without gradients.

Tinkex ``forward_inference.exs``: shape, dtype, first values, mean/min/max of the logprobs.
"""

from __future__ import annotations

import asyncio
import os

import numpy as np
from _common import parser, service_client, text_datum


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    text = os.environ.get("TINKER_PROMPT", "Hello from forward inference!")
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8, seed=0)
        tokenizer = training.get_tokenizer()
        output = await training.forward([text_datum(tokenizer, text)], "cross_entropy")
        logprobs = np.asarray(output.loss_fn_outputs[0]["logprobs"].to_numpy())
        print(f"loss_fn_output_type: {output.loss_fn_output_type}")
        print(f"logprobs: shape {logprobs.shape} dtype {logprobs.dtype}")
        print(f"first 5: {[round(float(x), 3) for x in logprobs[:5]]}")
        print(f"mean {logprobs.mean():.3f}  min {logprobs.min():.3f}  max {logprobs.max():.3f}")
        print(f"metrics: {output.metrics}")
    return 0 if logprobs.shape == (len(tokenizer.encode(text)),) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
