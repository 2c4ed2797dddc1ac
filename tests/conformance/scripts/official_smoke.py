"""A short official-SDK run (train, save, sample, list) that works from 0.16.1 to 0.38.

Run as ``python official_smoke.py BASE_URL``; prints ``SMOKE-OK`` on success. Used against
servers with injected faults or unusual client flags, where the point is that the official
SDK's own retry and polling logic copes with what the backend does.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

tinker: Any = importlib.import_module("tinker")
types: Any = importlib.import_module("tinker.types")


def _done(value: Any) -> Any:
    """Wait for a future; pass a client through (older releases return clients directly)."""
    result = getattr(value, "result", None)
    return result() if callable(result) else value


def main(url: str) -> None:
    """Train two steps, save, sample, list checkpoints; assert along the way."""
    service = tinker.ServiceClient(base_url=url, api_key="tml-official-smoke")
    training = _done(service.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=4))
    tokens = list(b"hello from the official sdk")
    data = [
        types.Datum(
            model_input=types.ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
        ),
        types.Datum(
            model_input=types.ModelInput.from_ints(tokens[:8]),
            loss_fn_inputs={"target_tokens": tokens[1:9], "weights": [1.0] * 8},
        ),
    ]
    first = training.forward_backward(data, "cross_entropy")
    step = training.optim_step(types.AdamParams(learning_rate=1e-2))
    before = first.result().metrics["loss:sum"]
    step.result()
    after = training.forward(data, "cross_entropy").result().metrics["loss:sum"]
    assert after < before, (before, after)
    state = training.save_state("smoke").result()
    sampler = _done(training.save_weights_and_get_sampling_client(name="s"))
    result = sampler.sample(
        prompt=types.ModelInput.from_ints(tokens[:5]),
        num_samples=2,
        sampling_params=types.SamplingParams(max_tokens=6, seed=1),
        include_prompt_logprobs=True,
        topk_prompt_logprobs=2,
    ).result()
    assert len(result.sequences) == 2
    assert all(len(s.tokens) <= 6 for s in result.sequences)
    assert result.prompt_logprobs[0] is None
    _done(service.create_training_client_from_state(state.path))
    rest = service.create_rest_client()
    listed = rest.list_checkpoints(training.model_id).result().checkpoints
    assert "weights/smoke" in [c.checkpoint_id for c in listed], listed
    sys.stdout.write("SMOKE-OK\n")


if __name__ == "__main__":
    main(sys.argv[1])
