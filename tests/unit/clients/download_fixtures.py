"""A backend served over loopback HTTP, with one runtime in-process and one over the socket.

Signed URLs name the host the REST request was addressed to, so the REST client under test
talks to the loopback server (its URLs are then fetchable), while checkpoints are created
in-process on the same backend instance.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp.test_utils import TestServer
from rest_fixtures import create_run, local_runtime_on

from tinkex.bootstrap.compose import compose
from tinkex.clients.rest import RestClient
from tinkex.config import load_config
from tinkex.local import LocalBackend, make_app
from tinkex.local.app import RUNNER_OPTIONS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tinkex.bootstrap.runtime import Runtime
    from tinkex.ports.clock import Clock


@dataclass
class Served:
    """What a download test works with."""

    backend: LocalBackend
    local: Runtime
    rest: RestClient
    url: str
    run_id: str


@contextlib.asynccontextmanager
async def served_backend(data_dir: Path, *, clock: Clock | None = None) -> AsyncIterator[Served]:
    """A backend on a loopback server, a run on it, and a REST client over the socket."""
    backend = LocalBackend(data_dir)
    server = TestServer(make_app(backend), host="127.0.0.1")
    await server.start_server(auto_decompress=RUNNER_OPTIONS["auto_decompress"])
    url = str(server.make_url("")).rstrip("/")
    config = load_config(base_url=url, api_key="tml-download-test", env={}, telemetry=False)
    remote = compose(config)
    try:
        await remote.start(create_session=False)
        async with local_runtime_on(backend) as local:
            run_id = await create_run(local)
            rest = RestClient(remote.invoker, clock=clock)
            yield Served(backend=backend, local=local, rest=rest, url=url, run_id=run_id)
    finally:
        await remote.aclose()
        await server.close()
