"""Fixtures for the local backend tests: a backend on a temp dir with a virtual clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from local_wire import LocalWire

from tinkex.adapters.clock import FakeClock
from tinkex.local import BackendConfig, LocalBackend

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def backend(tmp_path: Path, clock: FakeClock) -> AsyncIterator[LocalBackend]:
    backend = LocalBackend(
        tmp_path / "data", clock=clock, config=BackendConfig(poll_timeout_s=1.0, session_ttl_s=None)
    )
    yield backend
    await backend.aclose()


@pytest.fixture
def wire(backend: LocalBackend) -> LocalWire:
    return LocalWire(backend)
