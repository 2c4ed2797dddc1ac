"""Run by the official SDK's interpreter: real tinker objects through tinkex, and back.

``python real_official_objects.py REPO_ROOT TINKEX_SITE_PACKAGES DATA_DIR`` puts tinkex (and,
after tinker's own, the packages tinkex needs) on the path, trains and samples on tinkex's
in-process backend with objects built by the official SDK, converts tinkex objects back with
`to_official`, and prints one JSON line of what it saw.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any


async def _exercise(official: Any, data_dir: Path) -> dict[str, Any]:
    from tinkex import types
    from tinkex.domain.official import from_official, to_official
    from tinkex.testing import local_service

    tokens = list(b"real official objects")
    datum = official.Datum(
        model_input=official.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )
    async with local_service(data_dir=data_dir) as service:
        training = await service.create_lora_training_client("Qwen/Qwen3-8B", rank=4)
        output = await training.forward_backward([datum], "cross_entropy")
        step = await training.optim_step(official.AdamParams(learning_rate=0.01))
        sampler = await training.save_weights_and_get_sampling_client()
        response = await sampler.sample(
            official.ModelInput.from_ints([104, 105]),
            2,
            official.SamplingParams(max_tokens=3, seed=1, stop=["\n"]),
        )
    mine = from_official(datum)
    back = to_official([mine, types.SamplingParams(max_tokens=2), types.LoraConfig(rank=4)])
    return {
        "converted": type(mine).__module__,
        "loss": output.metrics["loss:sum"],
        "optim": step.metrics is not None,
        "samples": [len(s.tokens) for s in response.sequences],
        "back": [type(x).__name__ for x in back if type(x).__module__.startswith("tinker")],
        "round_trip": from_official(back[0]) == mine,
        "weights": back[0].loss_fn_inputs["weights"].data,
    }


def main() -> None:
    root, site, data_dir = sys.argv[1:4]
    sys.path.insert(0, root)
    sys.path.append(site)  # after tinker's own packages, which win where both have one
    official = importlib.import_module("tinker.types")
    sys.stdout.write(json.dumps(asyncio.run(_exercise(official, Path(data_dir)))) + "\n")


if __name__ == "__main__":
    main()
