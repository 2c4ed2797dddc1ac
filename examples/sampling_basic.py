"""Sampling basics: a SamplingClient for a base model, one prompt, decoded completions.

Tinkex ``sampling_basic.exs``. Env: TINKER_PROMPT, TINKER_MAX_TOKENS, TINKER_TEMPERATURE,
TINKER_NUM_SAMPLES.
"""

from __future__ import annotations

import asyncio
import os

from _common import parser, prompt, service_client

from tinkex import types
from tinkex.errors import TinkexError


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default  # like Tinkex: garbage falls back to the default


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    text = os.environ.get("TINKER_PROMPT", "Hello from tinkex!")
    params = types.SamplingParams(
        max_tokens=int(_env_number("TINKER_MAX_TOKENS", 16 if args.quick else 64)),
        temperature=_env_number("TINKER_TEMPERATURE", 0.7),
        seed=0,
    )
    num_samples = int(_env_number("TINKER_NUM_SAMPLES", 2))
    async with service_client(args) as service:
        sampler = await service.create_sampling_client(base_model=args.base_model)
        tokenizer = sampler.get_tokenizer()
        try:
            response = await sampler.sample(prompt(tokenizer, text), num_samples, params)
        except TinkexError as exc:
            print(f"sampling failed: {exc}")
            return 1
        print(f"prompt: {text!r} ({sampler!r})")
        for index, sequence in enumerate(response.sequences):
            print(f"sample {index} [{sequence.stop_reason}]: {tokenizer.decode(sequence.tokens)!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
