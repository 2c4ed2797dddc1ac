"""``tinkex checkpoint download`` over 127.0.0.1 when the connection drops mid-file."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from download_http_fixtures import DownloadServer, threaded_download_server

from tinkex.cli import main
from tinkex.clients.service import ServiceClient

if TYPE_CHECKING:
    from pathlib import Path

TINY_MODEL = "tinkex/tiny-byte-lm"


async def _export(front: DownloadServer) -> tuple[str, dict[str, bytes]]:
    async with ServiceClient(
        base_url=front.url, api_key="tml-resume-cli", telemetry=False, env={}
    ) as service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        saved = await training.save_weights_external("cli")
    assert saved.path is not None
    store = front.backend.state.store
    record = store.get(saved.path)
    return saved.path, {name: store.read(record, name) for name in record.files}


def test_cli_download_resumes_and_shows_progress(tmp_path: Path) -> None:
    """The CLI resumes the cut file with Range; its progress lines only go forward, to 100%."""
    with threaded_download_server(tmp_path / "data") as (front, loop):
        path, files = loop.run(_export(front))
        big = max(files, key=lambda f: len(files[f]))
        front.skip = sorted(files).index(big)
        front.cut_after[0] = len(files[big]) // 2
        out, err = io.StringIO(), io.StringIO()
        argv = ["--base-url", front.url, "--api-key", "tml-resume-cli"]
        argv += ["checkpoint", "download", path, "-o", str(tmp_path / "out")]
        code = main(argv, env={"TINKER_TELEMETRY": "0"}, stdout=out, stderr=err)
        log = list(front.log)
    assert code == 0, err.getvalue()
    assert log[1].range is not None
    assert log[1].status == 206
    [target] = (tmp_path / "out").iterdir()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == files
    percents = [int(m) for m in re.findall(r"\((\d+)%\)", err.getvalue())]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    assert "Downloaded " in out.getvalue()
