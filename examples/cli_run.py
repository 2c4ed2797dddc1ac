"""The ``tinkex`` command line, driven in-process through ``tinkex.cli.main(argv)``.

Tinkex ``cli_run_text.exs`` / ``cli_run_prompt_file.exs`` and the README's CLI one-liners:
trains a run and saves checkpoints with the SDK, then lists models, runs and checkpoints with
the CLI (tables and ``--format json``) against the same embedded backend data directory.
"""

from __future__ import annotations

import asyncio
import io
import json

from _common import data_dir, is_local, parser, service_client, text_datum

from tinkex import types
from tinkex.cli import main as cli_main


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run one CLI command; return its exit code and what it printed."""
    out = io.StringIO()
    code = cli_main(argv, stdout=out)
    return code, out.getvalue()


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    with data_dir(args) as directory:
        args.data_dir = directory  # the SDK and the CLI share one embedded backend store
        async with service_client(args) as service:
            training = await service.create_lora_training_client(args.base_model, rank=8)
            tokenizer = training.get_tokenizer()
            await training.train_step(
                [text_datum(tokenizer, "cli")], "cross_entropy", types.AdamParams()
            )
            await training.save_state("cli-state")
            await training.save_weights_for_sampler("cli-sampler")
        connection = ["--base-url", str(args.base_url)]
        if is_local(args):
            connection += ["--local-data-dir", str(directory)]
        # Off the event loop: the CLI runs its own.
        codes = []
        for command in (
            ["version"],
            ["model", "list", "tiny"],
            ["run", "list", "--limit", "0"],
            ["--format", "json", "checkpoint", "list", "--limit", "0"],
        ):
            argv_ = command if command == ["version"] else [*connection, *command]
            code, output = await asyncio.to_thread(run_cli, argv_)
            codes.append(code)
            print(f"$ tinkex {' '.join(command)}   (exit {code})")
            print(output.rstrip())
            if "json" in command:
                listing = json.loads(output)
                print(f"-> {len(listing.get('checkpoints', listing))} checkpoints in the JSON")
    return 0 if codes == [0, 0, 0, 0] else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
