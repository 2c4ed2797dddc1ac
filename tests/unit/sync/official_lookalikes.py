"""Stand-ins for the official SDK's input types: same names, fields and package, no tinker.

They live in a module named ``tinker.types`` as far as `tinkex.domain.official` can tell
(their ``__module__``), which is all it looks at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "AdamOptimizerConfig",
    "AdamParams",
    "Datum",
    "EncodedTextChunk",
    "ImageChunk",
    "LoraConfig",
    "ModelInput",
    "PromptProvenanceSpan",
    "SamplingParams",
    "TensorData",
]

OFFICIAL_MODULE = "tinker.types"
T = TypeVar("T", bound=type)


def _from_tinker(cls: T) -> T:
    """Say the class comes from the official package (set after @dataclass has looked)."""
    cls.__module__ = OFFICIAL_MODULE
    return cls


@_from_tinker
@dataclass
class EncodedTextChunk:
    tokens: Any
    type: str = "encoded_text"


@_from_tinker
@dataclass
class ImageChunk:
    data: bytes
    format: str
    expected_tokens: int | None = None
    type: str = "image"


@_from_tinker
@dataclass
class ModelInput:
    chunks: list[Any]


@_from_tinker
class TensorData:
    """Keeps a numpy array, shows a flat ``data`` list, as the official TensorData does."""

    def __init__(
        self,
        data: Any,
        dtype: str,
        shape: list[int] | None = None,
        sparse_crow_indices: list[int] | None = None,
        sparse_col_indices: list[int] | None = None,
    ) -> None:
        self._numpy = np.asarray(data, dtype=np.int64 if dtype == "int64" else np.float32)
        self.dtype = dtype
        self.shape = shape
        self.sparse_crow_indices = sparse_crow_indices
        self.sparse_col_indices = sparse_col_indices

    @property
    def data(self) -> list[Any]:
        result: list[Any] = self._numpy.reshape(-1).tolist()
        return result

    def to_numpy(self) -> np.ndarray[Any, Any]:
        return self._numpy.reshape(self.shape) if self.shape else self._numpy


@_from_tinker
@dataclass
class PromptProvenanceSpan:
    sequence_id: str
    offset: int = 0
    length: int = 0


@_from_tinker
@dataclass
class Datum:
    model_input: ModelInput
    loss_fn_inputs: dict[str, Any] = field(default_factory=dict)
    model_input_spans: list[Any] | None = None
    loss_fn_input_spans: list[Any] | None = None


@_from_tinker
@dataclass
class SamplingParams:
    max_tokens: int | None = None
    seed: int | None = None
    stop: Any = None
    temperature: float = 1.0
    top_k: int = -1
    top_p: float = 1.0


@_from_tinker
@dataclass
class AdamParams:
    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0


@_from_tinker
@dataclass
class LoraConfig:
    rank: int
    seed: int | None = None
    train_unembed: bool = True
    train_mlp: bool = True
    train_attn: bool = True


@_from_tinker
@dataclass
class AdamOptimizerConfig:
    type: str = "adamw"
