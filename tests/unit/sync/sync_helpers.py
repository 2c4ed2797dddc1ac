"""Builders shared by the tinkex.sync tests: text data and a blocking service on the backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import tinkex.sync as tinker
from tinkex import types

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BASE_MODEL", "local_service", "text_datum"]

BASE_MODEL = "Qwen/Qwen3-8B"


def local_service(data_dir: Path) -> tinker.ServiceClient:
    """A blocking ServiceClient over a fresh in-process embedded backend."""
    return tinker.ServiceClient(base_url="local", local_data_dir=data_dir, telemetry=False, env={})


def text_datum(text: str) -> types.Datum:
    """A next-token cross-entropy datum of `text`'s bytes."""
    tokens = list(text.encode())
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )
