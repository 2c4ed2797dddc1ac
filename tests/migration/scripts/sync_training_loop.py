"""A synchronous training loop in the official SDK's style: pipelined steps and checkpoints.

Each step submits forward_backward and optim_step back to back and only then waits, so both
are queued in the same clock cycle. Midway the loop saves its state, resumes from it in a new
training client, and at the end serves the sampler weights to a sampling client.
"""

import json

import numpy as np
import tinker

BASE_MODEL = "meta-llama/Llama-3.2-1B"
CORPUS = "a stitch in time saves nine. " * 4


def batch(tokenizer, size, offset):
    tokens = tokenizer.encode(CORPUS, add_special_tokens=False)
    data = []
    for index in range(size):
        start = (offset + index * 7) % (len(tokens) - 33)
        window = np.array(tokens[start : start + 33], dtype=np.int64)
        data.append(
            tinker.types.Datum(
                model_input=tinker.types.ModelInput.from_ints(window[:-1].tolist()),
                loss_fn_inputs={
                    "target_tokens": tinker.types.TensorData.from_numpy(window[1:]),
                    "weights": tinker.types.TensorData.from_numpy(np.ones(32, dtype=np.float32)),
                },
            )
        )
    return data


def train(training_client, tokenizer, steps, first_step):
    adam = tinker.types.AdamParams(learning_rate=1e-2, beta1=0.9, beta2=0.95, eps=1e-8)
    losses = []
    for step in range(first_step, first_step + steps):
        fwdbwd = training_client.forward_backward(batch(tokenizer, 4, step), "cross_entropy")
        optim = training_client.optim_step(adam)
        metrics = fwdbwd.result().metrics
        optim.result()
        losses.append(metrics["loss:sum"])
        print(f"step {step}: loss {losses[-1]:.2f}")
    return losses


def main():
    service_client = tinker.ServiceClient(user_metadata={"purpose": "migration"})
    training_client = service_client.create_lora_training_client(
        base_model=BASE_MODEL, rank=8
    ).result()
    tokenizer = training_client.get_tokenizer()
    info = training_client.get_info()
    print("training", info.model_id, "lora rank", info.lora_rank)

    losses = train(training_client, tokenizer, steps=4, first_step=0)
    state_path = training_client.save_state("halfway").result().path
    print("saved", state_path)

    resumed = service_client.create_training_client_from_state_with_optimizer(state_path).result()
    losses += train(resumed, tokenizer, steps=4, first_step=4)
    assert min(losses[4:]) < losses[0], losses

    sampler_path = resumed.save_weights_for_sampler("final").result().path
    sampling_client = service_client.create_sampling_client(model_path=sampler_path).result()
    prompt = tinker.types.ModelInput.from_ints(tokenizer.encode("a stitch"))
    logprobs = sampling_client.compute_logprobs(prompt).result()
    assert logprobs[0] is None, logprobs
    assert len(logprobs) == prompt.length, logprobs

    service_client.close("success").result()
    print(json.dumps({"losses": losses, "state": state_path, "sampler": sampler_path}))


if __name__ == "__main__":
    main()
