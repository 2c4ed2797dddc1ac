"""Delete several checkpoints in one CLI call: ``tinkex checkpoint delete P1 P2 --yes``.

Tinkex ``checkpoint_multi_delete_live.exs``: saves two checkpoints with the SDK, deletes both
with the CLI, and checks over REST that they are gone.
"""

from __future__ import annotations

import asyncio
import io

from _common import data_dir, is_local, parser, service_client

from tinkex.cli import main as cli_main


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    with data_dir(args) as directory:
        args.data_dir = directory
        async with service_client(args) as service:
            training = await service.create_lora_training_client(args.base_model, rank=8)
            first = await training.save_state("delete-me-1")
            second = await training.save_state("delete-me-2")
            paths = [first.path, second.path]
            print(f"saved: {paths}")

            command = ["--base-url", str(args.base_url)]
            if is_local(args):
                command += ["--local-data-dir", str(directory)]
            command += ["checkpoint", "delete", *paths, "--yes"]
            run_id = training.model_id
        out = io.StringIO()
        code = await asyncio.to_thread(cli_main, command, stdout=out)
        print(f"$ tinkex checkpoint delete {' '.join(paths)} --yes   (exit {code})")
        print(out.getvalue().rstrip())
        # A fresh client (and, locally, a fresh backend over the same directory) sees the result.
        async with service_client(args) as service:
            left = await service.create_rest_client().list_checkpoints(run_id)
            print(f"checkpoints left on the run: {[c.checkpoint_id for c in left.checkpoints]}")
    return 0 if code == 0 and not left.checkpoints else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
