"""Sessions over REST: list session ids, then describe one (its training runs and samplers).

Tinkex ``sessions_management.exs``.
"""

from __future__ import annotations

import asyncio

from _common import parser, service_client


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    async with service_client(args, display_name="sessions example") as service:
        # Give the session something to list.
        training = await service.create_lora_training_client(args.base_model, rank=8)
        await service.create_sampling_client(base_model=args.base_model)
        rest = service.create_rest_client()
        page = await rest.list_sessions(limit=10, access_scope="accessible")
        print(f"sessions ({len(page.sessions)} shown): {page.sessions}")
        mine = await service.session_id()
        detail = await rest.get_session(mine)
        print(f"session {mine}:")
        print(f"  training runs: {detail.training_run_ids}")
        print(f"  samplers:      {detail.sampler_ids}")
        print(f"  display name:  {detail.display_name}")
    return 0 if training.model_id in detail.training_run_ids else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
