"""The offline demo trains: its loss falls by at least half within 30 steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinkex.demo import run_demo

if TYPE_CHECKING:
    from pathlib import Path


async def test_demo_loss_falls_by_half(tmp_path: Path) -> None:
    first, last = await run_demo(data_dir=tmp_path)
    assert first > 0
    assert last <= 0.5 * first
