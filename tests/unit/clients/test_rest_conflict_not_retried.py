"""A conflict the caller caused is answered once: the server says not to retry it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import tinkex
from tinkex.errors import ConflictError
from tinkex.local import InProcessTransport, LocalBackend
from tinkex.testing import ScriptedTransport

if TYPE_CHECKING:
    from pathlib import Path


async def test_second_publish_is_a_single_409(tmp_path: Path) -> None:
    """Publishing an already public checkpoint fails at once instead of retrying for minutes."""
    backend = LocalBackend(tmp_path)
    recorder = ScriptedTransport(
        fallback=InProcessTransport(backend, "http://local", close_backend=True)
    )
    async with tinkex.ServiceClient(transport=recorder, base_url="local", telemetry=False) as svc:
        training = await svc.create_lora_training_client("tinkex/tiny-byte-lm", rank=2)
        saved = await training.save_state("snapshot")
        rest = svc.create_rest_client()
        await rest.publish_checkpoint_from_tinker_path(saved.path)
        before = len(recorder.sent)
        with pytest.raises(ConflictError):
            await rest.publish_checkpoint_from_tinker_path(saved.path)
        assert len(recorder.sent) == before + 1
