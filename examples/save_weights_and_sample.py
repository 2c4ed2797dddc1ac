"""save_weights_and_get_sampling_client: ephemeral sampler weights and a SamplingClient in one call.

Tinkex ``save_weights_and_sample.exs``. Env: TINKER_PROMPT, TINKER_MAX_TOKENS (32),
TINKER_LORA_RANK (8).
"""

from __future__ import annotations

import asyncio
import os

from _common import parser, prompt, service_client, text_datum

from tinkex import types


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    rank = int(os.environ.get("TINKER_LORA_RANK", 8))
    text = os.environ.get("TINKER_PROMPT", "Tomatoes want")
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=rank)
        tokenizer = training.get_tokenizer()
        await training.train_step(
            [text_datum(tokenizer, "Tomatoes want sun.")], "cross_entropy", types.AdamParams()
        )
        sampler = await training.save_weights_and_get_sampling_client()
        print(f"sampling client {sampler.sampling_session_id} over fresh weights")
        sampler_tokenizer = sampler.get_tokenizer()
        params = types.SamplingParams(
            max_tokens=int(os.environ.get("TINKER_MAX_TOKENS", 32)), temperature=0.7, seed=0
        )
        response = await sampler.sample(prompt(sampler_tokenizer, text), 1, params)
        completion = sampler_tokenizer.decode(response.sequences[0].tokens)
        print(f"{text!r} -> {completion!r}")
    return 0 if response.sequences else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
