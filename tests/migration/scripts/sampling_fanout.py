"""Sampling fan-out with the official SDK's sync API: many requests in flight, then collect.

Every ``sample`` call returns a future at once, so the loop below has all prompts in flight
before it waits for the first result.
"""

import json
import time

import tinker

BASE_MODEL = "meta-llama/Llama-3.1-8B"
PROMPTS = ["Once upon", "In the beginning", "It was a dark", "Call me", "The sky above"]


def main():
    service_client = tinker.ServiceClient()
    sampling_client = service_client.create_sampling_client(base_model=BASE_MODEL).result()
    tokenizer = sampling_client.get_tokenizer()
    params = tinker.types.SamplingParams(max_tokens=16, temperature=0.9, top_p=0.95)

    started = time.monotonic()
    futures = []
    for text in PROMPTS:
        prompt = tinker.types.ModelInput.from_ints(tokenizer.encode(text))
        futures.append(sampling_client.sample(prompt, num_samples=4, sampling_params=params))
    results = [future.result(timeout=60) for future in futures]
    elapsed = time.monotonic() - started

    completions = 0
    for text, result in zip(PROMPTS, results, strict=True):
        assert len(result.sequences) == 4
        for sequence in result.sequences:
            assert sequence.stop_reason in ("length", "stop")
            completions += 1
        print(text, "->", repr(tokenizer.decode(result.sequences[0].tokens)))
    assert sampling_client.get_base_model() == BASE_MODEL

    service_client.close("success").result()
    print(json.dumps({"completions": completions, "seconds": elapsed}))


if __name__ == "__main__":
    main()
