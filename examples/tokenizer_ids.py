"""Which tokenizer a model uses, and encode/decode with the run's own tokenizer.

Tinkex ``llama3_tokenizer_override_live.exs``, offline: the resolution rules (the server's
tokenizer id wins; Llama 3 models use the published Llama 3 tokenizer; ``org/model/variant``
names use ``org/model``; ``:revision`` suffixes are dropped), then a round trip through the
training client's tokenizer (byte-level on the embedded backend; Hugging Face otherwise).
"""

from __future__ import annotations

import asyncio

from _common import parser, service_client

from tinkex.tokenizer import tokenizer_id_for


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    for model, server_id in [
        ("meta-llama/Llama-3.1-8B", None),
        ("meta-llama/Llama-3.2-1B:abc123", None),
        ("Qwen/Qwen3-8B", None),
        ("org/model/variant", None),
        ("Qwen/Qwen3-8B", "Qwen/Qwen3-8B-tokenizer:rev"),
    ]:
        print(f"  {model:<34} server id {server_id!s:<30} -> {tokenizer_id_for(model, server_id)}")
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8)
        info = await training.get_info()
        tokenizer = training.get_tokenizer()
        text = "Tokenizers map text to ids and back."
        ids = tokenizer.encode(text, add_bos=True)
        print(f"run tokenizer id: {info.model_data.tokenizer_id}")
        print(f"encode -> {len(ids)} ids, first 8 {ids[:8]}")
        decoded = tokenizer.decode(ids)
        print(f"decode -> {decoded!r}")
    return 0 if decoded == text else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
