"""Low-level model flow with the `tinkex.api` functions: create, poll the future, get_info, unload.

Tinkex ``model_info_and_unload.exs``: no high-level client methods, just the endpoint
functions, the invoker and the future resolver of a started ServiceClient.
"""

from __future__ import annotations

import asyncio

from _common import parser, service_client

from tinkex import api, types


async def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__).parse_args(argv)
    async with service_client(args) as service:
        runtime = service.runtime
        session_id = await service.session_id()
        future = await api.models.create(
            runtime.invoker,
            types.CreateModelRequest(
                session_id=session_id,
                model_seq_id=runtime.session.next_model_seq_id(),
                base_model=args.base_model,
                lora_config=types.LoraConfig(rank=8),
            ),
        )
        print(f"create_model -> future {future.request_id}")
        created = await runtime.resolver.resolve(
            future.request_id, result_type=types.CreateModelResponse, request_type="CreateModel"
        )
        print(f"model_id: {created.model_id}")
        info = await api.models.get_info(
            runtime.invoker, types.GetInfoRequest(model_id=created.model_id)
        )
        print(
            f"info: model_name={info.model_name} arch={info.model_data.arch} "
            f"tokenizer_id={info.model_data.tokenizer_id} is_lora={info.is_lora} "
            f"lora_rank={info.lora_rank}"
        )
        unload = await api.models.unload(
            runtime.invoker, types.UnloadModelRequest(model_id=created.model_id)
        )
        unloaded = await runtime.resolver.resolve(
            unload.request_id, result_type=types.UnloadModelResponse, request_type="UnloadModel"
        )
        print(f"unloaded: {unloaded.model_id}")
    return 0 if info.lora_rank == 8 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
