"""One training loop: LoRA client, forward_backward + optim_step, save sampler weights, sample.

Tinkex ``training_loop.exs``: prints per-step timings and metrics. Env: TINKER_PROMPT,
TINKER_SAMPLE_AFTER_TRAIN (default on; 0/false disables), TINKER_SAMPLE_PROMPT.
"""

from __future__ import annotations

import asyncio
import os
import time

from _common import parser, prompt, service_client, text_datum

from tinkex import types

TEXT = "Fine-tuning sample prompt: tomatoes want sun, water and patience."


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    steps = 3 if args.quick else 10
    text = os.environ.get("TINKER_PROMPT", TEXT)
    sample_after = os.environ.get("TINKER_SAMPLE_AFTER_TRAIN", "1").lower() not in ("0", "false")
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=16, seed=0)
        tokenizer = training.get_tokenizer()
        data = [text_datum(tokenizer, text)]
        adam = types.AdamParams(learning_rate=2e-2)
        losses = []
        for step in range(steps):
            started = time.perf_counter()
            fwd_bwd = await training.forward_backward(data, "cross_entropy")
            optim = await training.optim_step(adam)
            took = (time.perf_counter() - started) * 1000
            loss = fwd_bwd.metrics["loss:sum"] / (len(tokenizer.encode(text)))
            losses.append(loss)
            print(
                f"step {step}: loss/token {loss:.3f}  grad_norm "
                f"{(optim.metrics or {}).get('grad_norm:mean', float('nan')):.3f}  ({took:.0f} ms)"
            )
        saved = await training.save_weights_for_sampler("sampler-weights")
        print(f"sampler weights: {saved.path}")
        if sample_after and saved.path is not None:
            sampler = await service.create_sampling_client(model_path=saved.path)
            start = os.environ.get("TINKER_SAMPLE_PROMPT", "Fine-tuning")
            params = types.SamplingParams(max_tokens=24, temperature=0.2, seed=0)
            response = await sampler.sample(prompt(tokenizer, start), 1, params)
            print(f"sample: {start + tokenizer.decode(response.sequences[0].tokens)!r}")
    return 0 if losses[-1] < losses[0] else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
