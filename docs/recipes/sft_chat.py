"""Supervised fine-tuning over chat data: train only on the assistant's replies.

Runs offline against the embedded backend (``python docs/recipes/sft_chat.py``); point
``base_url`` at a real Tinker service and ``BASE_MODEL`` at one of its models to run it there
(real models need their Hugging Face tokenizer: ``pip install transformers``).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import tinkex
from tinkex import types

if TYPE_CHECKING:
    from tinkex.tokenizer import Tokenizer

BASE_MODEL = "tinkex/tiny-byte-lm"
Chat = list[tuple[str, str]]  # (role, text) turns

CHATS: list[Chat] = [
    [("user", "What do tomatoes need?"), ("assistant", "Sun, water and patience.")],
    [("user", "When do I plant beans?"), ("assistant", "After the last frost.")],
    [("user", "How deep are carrot seeds sown?"), ("assistant", "About one centimetre.")],
    [("user", "Do basil plants like shade?"), ("assistant", "No, they like full sun.")],
]


def render_chat(chat: Chat, tokenizer: Tokenizer) -> tuple[types.Datum, int]:
    """One training example and the number of tokens it trains on.

    Every turn is rendered as ``Role: text``; the loss counts only the assistant's text.

    The model reads tokens ``0..n-2`` and is scored on predicting tokens ``1..n-1``; each target
    token carries the weight of the turn it belongs to (1 for the assistant's words, 0 for the
    user's turn and for the ``Assistant:`` prefix the model is not asked to produce).
    """
    tokens = tokenizer.encode("", add_bos=True)
    weights = [0.0] * len(tokens)
    for role, text in chat:
        prefix = tokenizer.encode(f"{role.capitalize()}: ")
        body = tokenizer.encode(text + "\n")
        trained = 1.0 if role == "assistant" else 0.0
        tokens += prefix + body
        weights += [0.0] * len(prefix) + [trained] * len(body)
    datum = types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": weights[1:]},
    )
    return datum, int(sum(weights[1:]))


async def train(
    service: tinkex.ServiceClient, *, epochs: int = 12, learning_rate: float = 3e-2
) -> list[float]:
    """Fine-tune on `CHATS`; return the loss per trained token after each epoch."""
    training = await service.create_lora_training_client(BASE_MODEL, rank=8, seed=0)
    tokenizer = training.get_tokenizer()
    rendered = [render_chat(chat, tokenizer) for chat in CHATS]
    batch = [datum for datum, _ in rendered]
    trained_tokens = sum(count for _, count in rendered)
    adam = types.AdamParams(learning_rate=learning_rate)
    losses = []
    for _ in range(epochs):
        # Submit both before awaiting either: the optimizer step queues behind the gradients.
        fwd_bwd = training.forward_backward(batch, "cross_entropy")
        optim = training.optim_step(adam)
        result, _ = await fwd_bwd, await optim
        losses.append(result.metrics["loss:sum"] / trained_tokens)

    sampler = await training.save_weights_and_get_sampling_client()
    question = tokenizer.encode("User: What do tomatoes need?\nAssistant: ", add_bos=True)
    reply = await sampler.sample(
        types.ModelInput.from_ints(question),
        num_samples=1,
        sampling_params=types.SamplingParams(max_tokens=24, temperature=0.0, stop=["\n"]),
    )
    print("reply:", tokenizer.decode(reply.sequences[0].tokens))
    return losses


async def main(data_dir: Path) -> list[float]:
    """Run the recipe against an embedded backend keeping its checkpoints in `data_dir`."""
    async with tinkex.ServiceClient(base_url="local", local_data_dir=data_dir) as service:
        losses = await train(service)
    for epoch, loss in enumerate(losses):
        print(f"epoch {epoch}: loss per trained token {loss:.3f}")
    return losses


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(main(Path(directory)))
