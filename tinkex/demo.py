"""Offline demo: fine-tune the embedded backend's tiny model on a built-in text, then sample.

Run ``python -m tinkex.demo``. Everything goes through the public SDK (ServiceClient,
TrainingClient, SamplingClient) against the embedded Tinker-compatible backend, in-process;
pass ``--base-url http://127.0.0.1:8000`` to train against ``tinkex serve`` instead.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import tinkex
from tinkex import types

__all__ = ["main", "run_demo"]

BASE_MODEL = "tinkex/tiny-byte-lm"
PROMPTS = ("The garden", "Tomatoes want", "A good")


def _text(lines: int) -> str:
    text = resources.files("tinkex.local").joinpath("data/garden.txt").read_text("utf-8")
    return "".join(text.splitlines(keepends=True)[:lines])


def _batches(
    tokens: list[int], *, window: int, batch: int, steps: int, seed: int
) -> list[list[types.Datum]]:
    starts = list(range(len(tokens) - window - 1))
    rng = random.Random(seed)
    batches = []
    for _ in range(steps):
        chosen = rng.sample(starts, batch)
        batches.append(
            [
                types.Datum(
                    model_input=types.ModelInput.from_ints(tokens[s : s + window]),
                    loss_fn_inputs={
                        "target_tokens": tokens[s + 1 : s + window + 1],
                        "weights": [1.0] * window,
                    },
                )
                for s in chosen
            ]
        )
    return batches


async def run_demo(
    *,
    base_url: str = "local",
    steps: int = 30,
    rank: int = 16,
    learning_rate: float = 2e-2,
    batch: int = 32,
    window: int = 32,
    seed: int = 0,
    lines: int = 4,
    data_dir: Path | None = None,
) -> tuple[float, float]:
    """Train, sample, print what happens; return the first and last per-token loss."""
    with tempfile.TemporaryDirectory(prefix="tinkex-demo-") as scratch:
        async with tinkex.ServiceClient(
            base_url=base_url, local_data_dir=data_dir or Path(scratch), telemetry=False
        ) as service:
            training = await service.create_lora_training_client(BASE_MODEL, rank=rank, seed=seed)
            tokenizer = training.get_tokenizer()
            tokens = tokenizer.encode(_text(lines), add_bos=True)
            print(f"training {training.model_id} (rank {rank}) on {len(tokens)} tokens")
            adam = types.AdamParams(learning_rate=learning_rate)
            losses = []
            started = time.perf_counter()
            for step, data in enumerate(
                _batches(tokens, window=window, batch=batch, steps=steps, seed=seed)
            ):
                result, _ = await training.train_step(data, "cross_entropy", adam)
                losses.append(result.metrics["loss:sum"] / (batch * window))
                print(f"step {step:3d}  loss/token {losses[-1]:.3f}")
            elapsed = time.perf_counter() - started
            print(f"{steps} steps in {elapsed:.1f}s; loss {losses[0]:.3f} -> {losses[-1]:.3f}")
            sampler = await training.save_weights_and_get_sampling_client()
            params = types.SamplingParams(max_tokens=48, temperature=0.5, seed=seed, stop=["\n"])
            for prompt in PROMPTS:
                prompt_input = types.ModelInput.from_ints(tokenizer.encode(prompt, add_bos=True))
                response = await sampler.sample(prompt_input, 2, params)
                for sequence in response.sequences:
                    print(f"  {prompt!r} -> {prompt + tokenizer.decode(sequence.tokens)!r}")
    return losses[0], losses[-1]


def main(argv: list[str] | None = None) -> int:
    """Run the demo; exit 1 if the loss did not fall by half."""
    parser = argparse.ArgumentParser(prog="python -m tinkex.demo", description=__doc__)
    parser.add_argument("--base-url", default="local")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=2e-2)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--lines", type=int, default=4, help="lines of the built-in text")
    args = parser.parse_args(argv)
    first, last = asyncio.run(
        run_demo(
            base_url=args.base_url,
            steps=args.steps,
            rank=args.rank,
            learning_rate=args.learning_rate,
            lines=args.lines,
        )
    )
    dropped = 1 - last / first
    print(f"loss fell by {dropped:.0%}")
    return 0 if dropped >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
