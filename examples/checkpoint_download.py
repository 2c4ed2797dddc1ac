"""Download a checkpoint's files with progress: trains a tiny run and saves one if none is given.

Tinkex ``checkpoint_download.exs``. A ``weights/`` path is exported to portable files first
(``external_weights/``), then streamed into ``<output>/<run>_<kind>_<name>/``. Env:
TINKER_CHECKPOINT_PATH, TINKER_OUTPUT_DIR (default: a temporary directory), FORCE.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from _common import is_local, parser, service_client, text_datum

from tinkex import types
from tinkex.adapters.http_download import AiohttpFileFetcher
from tinkex.clients.checkpoint_download import FileFetcher, download_checkpoint
from tinkex.clients.transport_fetcher import TransportFileFetcher
from tinkex.ports.transport import PoolKind


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    force = os.environ.get("FORCE", "true").lower() in ("1", "true", "yes")
    async with service_client(args) as service:
        path = os.environ.get("TINKER_CHECKPOINT_PATH")
        if path is None:
            training = await service.create_lora_training_client(args.base_model, rank=8)
            tokenizer = training.get_tokenizer()
            await training.train_step(
                [text_datum(tokenizer, "download me")], "cross_entropy", types.AdamParams()
            )
            saved = await training.save_state("to-download")
            assert saved.path is not None
            path = saved.path
            print(f"saved {path}")
        rest = service.create_rest_client()
        # The in-process backend signs URLs for a host without a socket: fetch them through
        # the client's own transport. A real service signs ordinary HTTPS URLs.
        fetcher: FileFetcher = (
            TransportFileFetcher(service.runtime.pool.transport_for(PoolKind.SESSION))
            if is_local(args)
            else AiohttpFileFetcher()
        )
        reported: list[tuple[int, int | None]] = []
        with tempfile.TemporaryDirectory(prefix="tinkex-download-") as scratch:
            output = Path(os.environ.get("TINKER_OUTPUT_DIR", scratch))
            try:
                result = await download_checkpoint(
                    rest,
                    path,
                    output,
                    fetcher=fetcher,
                    force=force,
                    progress=lambda done, total: reported.append((done, total)),
                    service=service,
                )
            finally:
                await fetcher.aclose()
            print(f"downloaded {result.checkpoint_path}")
            print(f"  into {result.destination} ({result.file_size_bytes} bytes)")
            for name in result.files:
                size = (result.destination / name).stat().st_size
                print(f"  {name}: {size} bytes")
            print(f"progress callbacks: {len(reported)}, last {reported[-1] if reported else None}")
    return 0 if result.files else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
