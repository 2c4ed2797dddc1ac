"""Checkpoints over REST: the user's checkpoints, offset pagination, one run's checkpoints.

Tinkex ``checkpoints_management.exs``. Env: TINKER_RUN_ID (optional; default: the run this
example creates).
"""

from __future__ import annotations

import asyncio
import os

from _common import parser, service_client, text_datum

from tinkex import types


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    async with service_client(args) as service:
        training = await service.create_lora_training_client(args.base_model, rank=8)
        tokenizer = training.get_tokenizer()
        await training.train_step(
            [text_datum(tokenizer, "checkpoints!")], "cross_entropy", types.AdamParams()
        )
        for index in range(3):
            await training.save_state(f"step-{index}", ttl_seconds=86_400)
        await training.save_weights_for_sampler("for-sampling")
        rest = service.create_rest_client()

        listing = await rest.list_user_checkpoints(limit=20)
        print(f"{'checkpoint':<28} {'type':<9} {'size':>9} public  expires")
        for ckpt in listing.checkpoints:
            expires = ckpt.expires_at.isoformat(timespec="seconds") if ckpt.expires_at else "-"
            print(
                f"{ckpt.checkpoint_id:<28} {ckpt.checkpoint_type:<9} {ckpt.size_bytes or 0:>9} "
                f"{ckpt.public!s:<6}  {expires}"
            )

        # Manual pagination driven by the cursor's total_count (page size 2 to show it).
        offset, seen = 0, 0
        while True:
            page = await rest.list_user_checkpoints(limit=2, offset=offset)
            seen += len(page.checkpoints)
            total = page.cursor.total_count if page.cursor else seen
            print(f"page at offset {offset}: {len(page.checkpoints)} of {total}")
            offset += 2
            if offset >= total or not page.checkpoints:
                break

        run_id = os.environ.get("TINKER_RUN_ID", training.model_id)
        per_run = await rest.list_checkpoints(run_id)
        print(f"run {run_id}: {[c.checkpoint_id for c in per_run.checkpoints]}")
    return 0 if seen == 4 and len(per_run.checkpoints) == 4 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
