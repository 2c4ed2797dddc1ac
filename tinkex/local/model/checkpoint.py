"""Serialisation of the tiny model: ``np.savez`` blobs and a PEFT-style export.

A blob holds the LoRA arrays under ``lora/<name>``, optionally the Adam moments under
``adam_m/<name>``/``adam_v/<name>`` and ``adam_step``, and a JSON metadata record (base model,
LoRA spec, network shape) as a ``uint8`` array under ``meta``. Arrays keep their float64 bits,
so a round trip is exact.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinkex.local.model.optimizer import AdamState

__all__ = ["FORMAT", "StateBlob", "dump_state", "load_state", "peft_files"]

FORMAT = "tinkex-tiny-lm/1"


@dataclass(frozen=True)
class StateBlob:
    """The decoded contents of a checkpoint.

    Attributes:
        meta: Metadata (``format``, ``base_model``, ``lora``, ``shape``).
        lora: LoRA parameters by name.
        adam: Optimizer state, or ``None`` when the blob has none.
    """

    meta: dict[str, Any]
    lora: dict[str, np.ndarray]
    adam: AdamState | None


def dump_state(meta: dict[str, Any], lora: dict[str, np.ndarray], adam: AdamState | None) -> bytes:
    """Encode a checkpoint.

    Args:
        meta: JSON-serialisable metadata.
        lora: LoRA parameters.
        adam: Optimizer state to include, or ``None`` for weights only.

    Returns:
        The ``.npz`` bytes.
    """
    arrays = {f"lora/{name}": value for name, value in lora.items()}
    if adam is not None:
        arrays.update({f"adam_m/{name}": value for name, value in adam.m.items()})
        arrays.update({f"adam_v/{name}": value for name, value in adam.v.items()})
        arrays["adam_step"] = np.asarray(adam.step, dtype=np.int64)
    encoded = json.dumps({"format": FORMAT, **meta}, sort_keys=True).encode("utf-8")
    arrays["meta"] = np.frombuffer(encoded, dtype=np.uint8)
    return _npz_bytes(arrays)


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    # Like np.savez, but with fixed zip timestamps and order so equal states give equal bytes.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
    return buffer.getvalue()


def load_state(blob: bytes) -> StateBlob:
    """Decode a checkpoint made by :func:`dump_state`.

    Args:
        blob: The ``.npz`` bytes.

    Returns:
        The metadata, LoRA parameters and optimizer state (if stored).

    Raises:
        ValueError: The bytes are not a checkpoint of this format.
    """
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise ValueError(f"not a tiny-model checkpoint: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"not a tiny-model checkpoint of format {FORMAT!r}")

    def group(prefix: str) -> dict[str, np.ndarray]:
        return {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}

    adam = None
    if "adam_step" in arrays:
        adam = AdamState(group("adam_m/"), group("adam_v/"), int(arrays["adam_step"]))
    return StateBlob(meta=meta, lora=group("lora/"), adam=adam)


def peft_files(meta: dict[str, Any], lora: dict[str, np.ndarray]) -> dict[str, bytes]:
    """Build the files of an "external weights" export, shaped like a PEFT adapter.

    Args:
        meta: Checkpoint metadata (``base_model``, ``lora``).
        lora: LoRA parameters.

    Returns:
        ``adapter_config.json`` and ``adapter_model.npz`` (float32 ``A``/``B`` per matrix).
    """
    targets = sorted({name.rsplit(".", 1)[0] for name in lora})
    config = {
        "peft_type": "LORA",
        "base_model_name_or_path": meta["base_model"],
        "r": meta["lora"]["rank"],
        "lora_alpha": meta["lora"]["rank"],
        "target_modules": targets,
        "bias": "none",
        "task_type": "CAUSAL_LM",
    }
    return {
        "adapter_config.json": json.dumps(config, indent=2, sort_keys=True).encode("utf-8"),
        "adapter_model.npz": _npz_bytes({k: v.astype(np.float32) for k, v in lora.items()}),
    }
