"""An async training loop with the official SDK's ``*_async`` names.

``await client.forward_backward_async(...)`` submits and gives a future; awaiting that
future's ``result_async()`` gives the result. The migration test runs this on tinkex with the
import line changed to ``import tinkex as tinker``.
"""

import asyncio
import json

import tinker

BASE_MODEL = "Qwen/Qwen3-8B"
TEXTS = ["one two three four five", "six seven eight nine ten"]


def datum(tokenizer, text):
    tokens = tokenizer.encode(text)
    return tinker.types.Datum(
        model_input=tinker.types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


async def main():
    service_client = tinker.ServiceClient()
    capabilities = await service_client.get_server_capabilities_async()
    assert capabilities.supported_models

    training_client = await service_client.create_lora_training_client_async(
        base_model=BASE_MODEL, rank=8
    )
    info = await training_client.get_info_async()
    tokenizer = training_client.get_tokenizer()
    data = [datum(tokenizer, text) for text in TEXTS]

    losses = []
    for _ in range(5):
        fwdbwd_future = await training_client.forward_backward_async(data, "cross_entropy")
        optim_future = await training_client.optim_step_async(
            tinker.types.AdamParams(learning_rate=1e-2)
        )
        fwdbwd = await fwdbwd_future.result_async()
        await optim_future.result_async()
        losses.append(fwdbwd.metrics["loss:sum"])
    assert losses[-1] < losses[0], losses

    forward = await (await training_client.forward_async(data, "cross_entropy")).result_async()
    assert len(forward.loss_fn_outputs) == len(data)

    save_future = await training_client.save_weights_for_sampler_async("async-final")
    sampler_path = (await save_future.result_async()).path
    sampling_client = await service_client.create_sampling_client_async(model_path=sampler_path)
    prompt = tinker.types.ModelInput.from_ints(tokenizer.encode("one two"))
    response = await sampling_client.sample_async(
        prompt=prompt,
        num_samples=3,
        sampling_params=tinker.types.SamplingParams(max_tokens=8, seed=7),
    )
    base_model = await sampling_client.get_base_model_async()
    ephemeral = await training_client.save_weights_and_get_sampling_client_async()
    logprobs = await ephemeral.compute_logprobs_async(prompt)

    await service_client.close()
    print(
        json.dumps(
            {
                "model_id": info.model_id,
                "losses": losses,
                "samples": [list(s.tokens) for s in response.sequences],
                "base_model": base_model,
                "logprobs": len(logprobs),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
