"""Streaming sampling (a Tinkex addition): tokens as they are produced, or a clean fallback.

``SamplingClient.sample_stream`` yields ``token`` chunks then a ``done`` chunk when the server
streams. A server without the streaming endpoint (the embedded backend, the official service
today) raises `UnsupportedByServerError` before any token, and the example falls back to
`sample`.
"""

from __future__ import annotations

import asyncio

from _common import parser, prompt, service_client

from tinkex import types
from tinkex.errors import UnsupportedByServerError


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    params = types.SamplingParams(max_tokens=12, temperature=0.7, seed=0)
    async with service_client(args) as service:
        sampler = await service.create_sampling_client(base_model=args.base_model)
        tokenizer = sampler.get_tokenizer()
        start = prompt(tokenizer, "Once upon a time")
        tokens: list[int] = []
        try:
            async for chunk in sampler.sample_stream(start, params):
                if chunk.event_type == "token" and chunk.token_id is not None:
                    tokens.append(chunk.token_id)
                    print(f"  token {chunk.index}: {chunk.token!r}")
                elif chunk.event_type == "done":
                    print(f"  done: {chunk.finish_reason} ({chunk.total_tokens} tokens)")
            how = "streamed"
        except UnsupportedByServerError as exc:
            print(f"no streaming here ({exc}); falling back to sample()")
            response = await sampler.sample(start, 1, params)
            tokens = list(response.sequences[0].tokens)
            how = "sampled"
        print(f"{how}: {tokenizer.decode(tokens)!r}")
    return 0 if tokens else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
