"""The CLI against a real ``tinkex serve`` process on 127.0.0.1 (a port the OS picks)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from tinkex.cli import main

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"
ANNOUNCE = "listening on "


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The URL of ``tinkex serve --port 0`` running in a child process."""
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tinkex.cli",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while ANNOUNCE not in log.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            assert ANNOUNCE in log.read_text(), log.read_text()
            yield log.read_text().split(ANNOUNCE, 1)[1].split()[0]
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_sample_against_tinkex_serve(served: str, tmp_path: Path) -> None:
    """``tinkex sample`` over HTTP returns seeded completions, as JSON on stdout and in a file."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["--base-url", served, "--api-key", "tml-cli-test", "-f", "json", "sample"]
    argv += ["-m", TINY_MODEL, "-p", "Hello", "-n", "2", "--max-tokens", "5", "--seed", "4"]
    env = {"TINKER_TELEMETRY": "0"}
    assert main(argv, env=env, stdout=out, stderr=err) == 0, err.getvalue()
    document = json.loads(out.getvalue())
    assert document["prompt"]["tokens"] == [256, *b"Hello"]
    assert [len(s["tokens"]) for s in document["samples"]] == [5, 5]

    target = tmp_path / "samples.json"
    assert main([*argv, "-o", str(target)], env=env, stdout=io.StringIO(), stderr=err) == 0
    assert json.loads(target.read_text())["samples"] == document["samples"]
