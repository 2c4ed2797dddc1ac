"""Server capabilities, the health probe, and prompt logprobs from a SamplingClient.

Tinkex ``live_capabilities_and_logprobs.exs``. Env: TINKER_PROMPT.
"""

from __future__ import annotations

import asyncio
import os

from _common import parser, prompt, service_client

from tinkex import api


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    text = os.environ.get("TINKER_PROMPT", "Hello from tinkex!")
    async with service_client(args) as service:
        capabilities = await service.get_server_capabilities()
        print("supported models:")
        for model in capabilities.supported_models:
            print(
                f"  {model.model_name}  context={model.max_context_length} "
                f"trainable={model.trainable} sampleable={model.sampleable}"
            )
        health = await api.service.healthz(service.runtime.invoker)
        print(f"health: {health.status}")
        sampler = await service.create_sampling_client(base_model=args.base_model)
        tokenizer = sampler.get_tokenizer()
        logprobs = await sampler.compute_logprobs(prompt(tokenizer, text))
        scored = [lp for lp in logprobs if lp is not None]
        print(f"prompt logprobs ({len(logprobs)} tokens, first is None): {logprobs[:4]} ...")
        print(f"sum over the prompt: {sum(scored):.3f}")
    return 0 if logprobs and logprobs[0] is None and len(scored) == len(logprobs) - 1 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
