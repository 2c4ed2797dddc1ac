"""The legacy archive URL end to end: the pipeline returns the 302 instead of raising it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import tinkex
from tinkex import types
from tinkex.clients.rest import RestClient

if TYPE_CHECKING:
    from pathlib import Path


async def test_archive_url_comes_from_the_backends_redirect(tmp_path: Path) -> None:
    """A saved checkpoint's archive URL is read from the Location of the server's 302."""
    async with tinkex.ServiceClient(
        base_url="local", local_data_dir=tmp_path, telemetry=False
    ) as service:
        training = await service.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        saved = await training.save_state("snapshot")
        rest = service.create_rest_client()
        assert isinstance(rest, RestClient)
        archive = await rest.get_checkpoint_archive_url_from_tinker_path(saved.path)
        assert "signed" in archive.url
        assert isinstance(saved, types.SaveWeightsResponse)
