"""A reinforcement-learning loop: sample, score, train with the importance-sampling loss.

Each step samples a group of completions from the current policy, scores them with a reward
function, and trains on every sampled token with its advantage (reward minus the group mean),
using the sampler's own logprobs for the importance-sampling ratio. Runs offline against the
embedded backend (``python docs/recipes/rl_loop.py``).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

import tinkex
from tinkex import types

BASE_MODEL = "tinkex/tiny-byte-lm"
PROMPT = "Say something: "
TARGET = "aeiou"


def reward(text: str) -> float:
    """The share of characters that are lowercase vowels (what this toy policy learns)."""
    return sum(ch in TARGET for ch in text) / len(text) if text else 0.0


def policy_datum(
    prompt: list[int], completion: list[int], logprobs: list[float], advantage: float
) -> types.Datum:
    """One importance-sampling example: prompt tokens carry no advantage, sampled ones do.

    ``logprobs`` are the sampler's logprobs of the completion (the behaviour policy); the loss
    weighs each sampled token by ``exp(logp_now - logp_sampled) * advantage``.
    """
    tokens = prompt + completion
    prompt_targets = len(prompt) - 1  # targets are tokens[1:]; these come from the prompt
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": tokens[1:],
            "logprobs": [0.0] * prompt_targets + logprobs,
            "advantages": [0.0] * prompt_targets + [advantage] * len(completion),
        },
    )


async def train(
    service: tinkex.ServiceClient,
    *,
    steps: int = 10,
    group_size: int = 8,
    max_tokens: int = 8,
    learning_rate: float = 5e-2,
) -> list[float]:
    """Run the loop; return the mean reward of the samples drawn at each step."""
    training = await service.create_lora_training_client(BASE_MODEL, rank=8, seed=0)
    tokenizer = training.get_tokenizer()
    prompt = tokenizer.encode(PROMPT, add_bos=True)
    params = types.SamplingParams(max_tokens=max_tokens, temperature=1.0)
    adam = types.AdamParams(learning_rate=learning_rate)
    mean_rewards = []
    for _ in range(steps):
        sampler = await training.save_weights_and_get_sampling_client()
        response = await sampler.sample(types.ModelInput.from_ints(prompt), group_size, params)
        sequences = response.sequences
        rewards = [reward(tokenizer.decode(seq.tokens)) for seq in sequences]
        baseline = statistics.fmean(rewards)
        mean_rewards.append(baseline)
        batch = [
            policy_datum(prompt, seq.tokens, seq.logprobs or [], r - baseline)
            for seq, r in zip(sequences, rewards, strict=True)
            if r != baseline  # no advantage, no gradient
        ]
        if batch:
            fwd_bwd = training.forward_backward(batch, "importance_sampling")
            optim = training.optim_step(adam)
            await fwd_bwd
            await optim
    return mean_rewards


async def main(data_dir: Path) -> list[float]:
    """Run the recipe against an embedded backend keeping its checkpoints in `data_dir`."""
    async with tinkex.ServiceClient(base_url="local", local_data_dir=data_dir) as service:
        mean_rewards = await train(service)
    for step, value in enumerate(mean_rewards):
        print(f"step {step}: mean reward {value:.3f}")
    return mean_rewards


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(main(Path(directory)))
