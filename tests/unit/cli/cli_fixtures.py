"""Run the CLI in-process against an embedded-backend data directory, and seed that directory.

CLI tests are synchronous: `tinkex.cli.main` runs its own event loop, like the real command.
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinkex.cli import main
from tinkex.clients.service import ServiceClient

if TYPE_CHECKING:
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"


@dataclass
class CliResult:
    """Exit status and captured output of one CLI run."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Stdout parsed as JSON."""
        return json.loads(self.out)


class Terminal(io.StringIO):
    """An output stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run_cli(
    data_dir: Path,
    *argv: str,
    stdin: io.StringIO | None = None,
    stdout: io.StringIO | None = None,
    stderr: io.StringIO | None = None,
    env: dict[str, str] | None = None,
) -> CliResult:
    """Run ``tinkex --base-url local --local-data-dir <data_dir> <argv...>``."""
    out, err = stdout or io.StringIO(), stderr or io.StringIO()
    code = main(
        ["--base-url", "local", "--local-data-dir", str(data_dir), *argv],
        env={"TINKER_TELEMETRY": "0", **(env or {})},
        stdout=out,
        stderr=err,
        stdin=stdin or io.StringIO(""),
    )
    return CliResult(code=code, out=out.getvalue(), err=err.getvalue())


@dataclass
class Seeded:
    """What `seed` saved."""

    run_id: str
    state: str
    sampler: str
    external: str


def seed(data_dir: Path) -> Seeded:
    """Create a run with one training, one sampler and one external checkpoint (own process
    state: the backend is closed before the CLI runs, as if it were another process)."""

    async def go() -> Seeded:
        async with ServiceClient(
            base_url="local", local_data_dir=data_dir, telemetry=False, env={}
        ) as service:
            training = await service.create_lora_training_client(TINY_MODEL, rank=4)
            state = (await training.save_state("s1")).path
            sampler = (await training.save_weights_for_sampler("p1")).path
            external = (await training.save_weights_external("e1")).path
            assert sampler is not None
            assert external is not None
            return Seeded(training.model_id, state, sampler, external)

    return asyncio.run(go())


def seed_runs(data_dir: Path, count: int) -> list[str]:
    """Create `count` training runs with one saved state each; returns the run ids."""

    async def go() -> list[str]:
        async with ServiceClient(
            base_url="local", local_data_dir=data_dir, telemetry=False, env={}
        ) as service:
            ids = []
            for index in range(count):
                training = await service.create_lora_training_client(TINY_MODEL, rank=4)
                await training.save_state(f"s{index}")
                ids.append(training.model_id)
            return ids

    return asyncio.run(go())
