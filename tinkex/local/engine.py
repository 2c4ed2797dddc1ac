"""The model seam of the backend: the real tiny model, or a near-free null model for benchmarks."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tinkex.local.model import (
    CONTEXT_LENGTH,
    AdamSettings,
    DatumArrays,
    ForwardResult,
    LoraSpec,
    SampledSequenceArrays,
    SampleResult,
    SampleSettings,
    TinyModel,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["ModelEngine", "ModelFactory", "NullModel", "NullModelFactory", "TinyModelFactory"]


class ModelEngine(Protocol):
    """What the service needs from a model (the surface `TinyModel` offers)."""

    context_length: int

    def forward(
        self, data: Sequence[DatumArrays], loss_fn: str, config: Mapping[str, float | str] | None
    ) -> ForwardResult:
        """Log-probabilities and loss without gradients."""
        ...

    def forward_backward(
        self, data: Sequence[DatumArrays], loss_fn: str, config: Mapping[str, float | str] | None
    ) -> ForwardResult:
        """Like forward, accumulating gradients."""
        ...

    def optim_step(self, adam: AdamSettings) -> dict[str, float]:
        """Apply the accumulated gradients."""
        ...

    def sample(
        self,
        prompt: np.ndarray,
        num_samples: int,
        settings: SampleSettings,
        *,
        prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
    ) -> SampleResult:
        """Generate continuations."""
        ...

    def state_bytes(self, *, include_optimizer: bool) -> bytes:
        """Serialise the trainable state."""
        ...

    def weights_info(self) -> dict[str, object]:
        """Describe base model and LoRA configuration."""
        ...

    def export_peft(self) -> dict[str, bytes]:
        """Files of an external-weights export."""
        ...


class ModelFactory(Protocol):
    """Builds engines from scratch or from checkpoint bytes."""

    def create(self, base_model: str, lora: LoraSpec) -> ModelEngine:
        """A fresh model."""
        ...

    def load(
        self, blob: bytes, *, load_optimizer: bool, override_base_model: str | None
    ) -> ModelEngine:
        """A model rebuilt from `ModelEngine.state_bytes` output (ValueError if not one)."""
        ...


class TinyModelFactory:
    """Builds the real numpy `TinyModel`."""

    def create(self, base_model: str, lora: LoraSpec) -> ModelEngine:
        """A fresh TinyModel."""
        return TinyModel.create(base_model, lora)

    def load(
        self, blob: bytes, *, load_optimizer: bool, override_base_model: str | None
    ) -> ModelEngine:
        """A TinyModel from checkpoint bytes."""
        return TinyModel.from_state_bytes(
            blob, load_optimizer=load_optimizer, override_base_model=override_base_model
        )


class NullModel:
    """A model that does no math: zero outputs of the right shapes, for benchmarks.

    Args:
        base_model: Name reported by `weights_info`.
        lora: Adapter configuration reported by `weights_info`.
    """

    context_length = CONTEXT_LENGTH

    def __init__(self, base_model: str, lora: LoraSpec) -> None:
        self.base_model = base_model
        self.lora = lora

    def forward(
        self, data: Sequence[DatumArrays], loss_fn: str, config: Mapping[str, float | str] | None
    ) -> ForwardResult:
        """Zero log-probabilities, one per input token."""
        logprobs = [np.zeros(len(d.tokens), dtype=np.float32) for d in data]
        return ForwardResult(logprobs=logprobs, metrics={"loss:sum": 0.0})

    def forward_backward(
        self, data: Sequence[DatumArrays], loss_fn: str, config: Mapping[str, float | str] | None
    ) -> ForwardResult:
        """Same as `forward`."""
        return self.forward(data, loss_fn, config)

    def optim_step(self, adam: AdamSettings) -> dict[str, float]:
        """Report the learning rate only."""
        return {"learning_rate:mean": adam.learning_rate}

    def sample(
        self,
        prompt: np.ndarray,
        num_samples: int,
        settings: SampleSettings,
        *,
        prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
    ) -> SampleResult:
        """``max_tokens`` zero tokens per sequence (16 when unset), stopped by length."""
        length = 16 if settings.max_tokens is None else settings.max_tokens
        sequences = [
            SampledSequenceArrays(
                tokens=np.zeros(length, dtype=np.int32),
                logprobs=np.zeros(length, dtype=np.float32),
                stop_reason="length",
            )
            for _ in range(num_samples)
        ]
        plp = None
        if prompt_logprobs:
            plp = np.zeros(len(prompt), dtype=np.float32)
            plp[:1] = np.nan
        topk = None
        if topk_prompt_logprobs > 0:
            shape = (len(prompt), topk_prompt_logprobs)
            topk = (np.zeros(shape, dtype=np.int32), np.zeros(shape, dtype=np.float32))
        return SampleResult(sequences=sequences, prompt_logprobs=plp, topk_prompt_logprobs=topk)

    def state_bytes(self, *, include_optimizer: bool) -> bytes:
        """A small JSON description (there are no weights)."""
        return json.dumps({"null_model": self.base_model, "lora": asdict(self.lora)}).encode()

    def weights_info(self) -> dict[str, object]:
        """Base model and LoRA configuration."""
        return self.lora.weights_info(self.base_model)

    def export_peft(self) -> dict[str, bytes]:
        """Only the adapter config."""
        config = {"base_model_name_or_path": self.base_model, "r": self.lora.rank}
        return {"adapter_config.json": json.dumps(config).encode()}


class NullModelFactory:
    """Builds `NullModel` instances."""

    def create(self, base_model: str, lora: LoraSpec) -> ModelEngine:
        """A null model."""
        return NullModel(base_model, lora)

    def load(
        self, blob: bytes, *, load_optimizer: bool, override_base_model: str | None
    ) -> ModelEngine:
        """A null model from `NullModel.state_bytes` output."""
        try:
            meta = json.loads(blob)
            lora = LoraSpec(**meta["lora"])
            base = str(meta["null_model"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("not a null-model checkpoint") from exc
        return NullModel(override_base_model or base, lora)
