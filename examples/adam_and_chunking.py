"""Chunking a big batch by count and bytes, then forward_backward + Adam with decay and clipping.

Tinkex ``adam_and_chunking_live.exs``: 1025 one-token datums split into chunks of at most 1024
(the server's limits), then a trimmed batch trains with weight_decay 0.01, grad_clip_norm 1.0.
Env: TINKER_CHUNK_COUNT (1025), TINKER_RUN_COUNT (128).
"""

from __future__ import annotations

import asyncio
import os

from _common import next_token_datum, parser, service_client

from tinkex import types
from tinkex.clients.training_wire import chunk_data, datum_bytes


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    chunk_count = int(os.environ.get("TINKER_CHUNK_COUNT", 1025))
    run_count = int(os.environ.get("TINKER_RUN_COUNT", 16 if args.quick else 128))
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8, seed=0)
        tokenizer = training.get_tokenizer()
        tokens = tokenizer.encode("abcdefghijklmnopqrstuvwxyz", add_bos=True)
        many = [next_token_datum([tokens[i % 20], tokens[i % 20 + 1]]) for i in range(chunk_count)]
        limits = service.runtime.server_config
        chunks = chunk_data(service.runtime, many)
        print(
            f"server limits: {limits.fwdbwd_max_chunk_len} datums, "
            f"{limits.fwdbwd_max_chunk_bytes_count} bytes per chunk"
        )
        print(
            f"{len(many)} datums (~{datum_bytes(many[0])} bytes each) -> chunk sizes "
            f"{[len(c) for c in chunks]}"
        )
        batch = many[:run_count]
        output = await training.forward_backward(batch, "cross_entropy")
        print(
            f"forward_backward over {len(batch)} datums: loss:sum {output.metrics['loss:sum']:.3f}"
        )
        adam = types.AdamParams(learning_rate=2e-4, weight_decay=0.01, grad_clip_norm=1.0)
        step = await training.optim_step(adam)
        print(f"optim_step {adam}: {step.metrics}")
    return 0 if len(chunks) == (chunk_count + 1023) // 1024 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
