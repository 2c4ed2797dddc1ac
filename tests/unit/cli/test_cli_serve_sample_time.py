"""``tinkex serve --sample-time``: the embedded backend's model time from the tinkex CLI."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest

import tinkex.local
from tinkex.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.local import LocalBackend


def test_serve_passes_the_model_time_to_the_backend(tmp_path: Path, monkeypatch: Any) -> None:
    served: list[LocalBackend] = []

    async def fake_serve(backend: LocalBackend, *_: object, **__: object) -> None:
        served.append(backend)
        await backend.aclose()

    monkeypatch.setattr(tinkex.local, "serve", fake_serve)
    argv = ["serve", "--data-dir", str(tmp_path), "--sample-time", "0.25", "--batch-futures"]
    assert main(argv, env={}, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert served[0].state.config.sample_time_s == 0.25
    assert served[0].state.config.batch_futures


@pytest.mark.parametrize("bad", ["-1", "nan", "inf"])
def test_serve_refuses_a_bad_model_time_naming_the_flag(bad: str, tmp_path: Path) -> None:
    err = io.StringIO()
    argv = ["serve", "--data-dir", str(tmp_path), "--sample-time", bad]
    assert main(argv, env={}, stdout=io.StringIO(), stderr=err) != 0
    assert "--sample-time" in err.getvalue()
