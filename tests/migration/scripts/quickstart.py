"""Quickstart, as a user of the official tinker SDK writes it: train a few steps, then sample.

Written against tinker 0.38's synchronous API (futures and ``.result()``). The migration test
runs it on tinkex with only the import line changed (``import tinkex.sync as tinker``).
"""

import json

import tinker

BASE_MODEL = "Qwen/Qwen3-8B"
LINES = ["The garden needs water.", "Tomatoes like the sun.", "Basil grows fast."]


def make_datum(tokenizer, text):
    tokens = tokenizer.encode(text, add_special_tokens=True)
    return tinker.types.Datum(
        model_input=tinker.types.ModelInput.from_ints(tokens=tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


def main():
    service_client = tinker.ServiceClient()
    models = [m.model_name for m in service_client.get_server_capabilities().supported_models]
    assert BASE_MODEL in models, models

    training_client = service_client.create_lora_training_client(
        base_model=BASE_MODEL, rank=16
    ).result()
    tokenizer = training_client.get_tokenizer()
    examples = [make_datum(tokenizer, line) for line in LINES]

    losses = []
    for _ in range(6):
        fwdbwd_future = training_client.forward_backward(examples, loss_fn="cross_entropy")
        optim_future = training_client.optim_step(tinker.types.AdamParams(learning_rate=5e-3))
        fwdbwd_result = fwdbwd_future.result()
        optim_future.result()
        losses.append(fwdbwd_result.metrics["loss:sum"])
        print(f"loss {losses[-1]:.3f}")
    assert losses[-1] < losses[0], losses

    sampling_client = training_client.save_weights_and_get_sampling_client().result()
    prompt = tinker.types.ModelInput.from_ints(tokenizer.encode("The garden"))
    params = tinker.types.SamplingParams(max_tokens=12, temperature=0.7, stop=["\n"])
    result = sampling_client.sample(prompt=prompt, num_samples=2, sampling_params=params).result()
    texts = [tokenizer.decode(sequence.tokens) for sequence in result.sequences]
    for text in texts:
        print(repr(text))
    assert len(texts) == 2

    service_client.close("success").result()
    print(json.dumps({"first_loss": losses[0], "last_loss": losses[-1], "samples": len(texts)}))


if __name__ == "__main__":
    main()
