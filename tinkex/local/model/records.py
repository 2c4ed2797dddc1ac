"""Value types that the tiny model takes and returns (plain frozen dataclasses over numpy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "AdamSettings",
    "DatumArrays",
    "ForwardResult",
    "LoraSpec",
    "SampleResult",
    "SampleSettings",
    "SampledSequenceArrays",
]


@dataclass(frozen=True)
class LoraSpec:
    """Which LoRA adapters a model trains, and how they are initialised.

    Attributes:
        rank: Rank of every adapter (at least 1).
        seed: Seed of the random ``A`` matrices; ``None`` derives it from the base model name.
        train_mlp: Adapt the two MLP matrices.
        train_attn: Adapt the attention projections (query, key, value, output).
        train_unembed: Adapt the unembedding matrix.
    """

    rank: int
    seed: int | None = None
    train_mlp: bool = True
    train_attn: bool = True
    train_unembed: bool = True

    def weights_info(self, base_model: str) -> dict[str, object]:
        """Describe weights with these adapters like Tinker's ``weights_info``."""
        return {
            "base_model": base_model,
            "is_lora": True,
            "lora_rank": self.rank,
            "train_unembed": self.train_unembed,
            "train_mlp": self.train_mlp,
            "train_attn": self.train_attn,
        }


@dataclass(frozen=True)
class AdamSettings:
    """AdamW hyperparameters of one optimizer step (Tinker's ``AdamParams`` defaults).

    Attributes:
        learning_rate: Step size.
        beta1: Decay of the first moment.
        beta2: Decay of the second moment.
        eps: Added to the root of the second moment.
        weight_decay: Decoupled weight decay (multiplied by the learning rate).
        grad_clip_norm: Clip the global gradient norm to this value; 0 disables clipping.
    """

    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0


@dataclass(frozen=True)
class DatumArrays:
    """One training example.

    Attributes:
        tokens: int64 ``[T]`` model input tokens.
        loss_fn_inputs: Arrays of shape ``[T]`` named as Tinker names them (``target_tokens``,
            ``weights``, ``logprobs``, ``advantages``, ...).
    """

    tokens: np.ndarray
    loss_fn_inputs: dict[str, np.ndarray]


@dataclass(frozen=True)
class ForwardResult:
    """What ``forward``/``forward_backward`` return.

    Attributes:
        logprobs: Per datum, float32 ``[T]``: log-probability of ``target_tokens[t]`` given
            ``tokens[:t+1]``.
        metrics: Keys ``"name:reduction"``; always holds ``"loss:sum"``.
    """

    logprobs: list[np.ndarray]
    metrics: dict[str, float]


@dataclass(frozen=True)
class SampleSettings:
    """Sampling parameters.

    Attributes:
        max_tokens: Most tokens to generate; ``None`` fills the context window.
        temperature: Softmax temperature; 0 means greedy decoding.
        top_k: Keep only the k most likely tokens; -1 (or any value < 1) keeps all.
        top_p: Nucleus sampling: keep the smallest set of tokens whose probability reaches p.
        stop_token_seqs: ``None`` stops at EOS only; ``()`` never stops early; otherwise stop
            after exactly these token sequences (EOS is not implied; add ``(EOS_ID,)`` to keep it).
        seed: Seed of the sampling RNG; ``None`` draws fresh entropy.
    """

    max_tokens: int | None = None
    temperature: float = 1.0
    top_k: int = -1
    top_p: float = 1.0
    stop_token_seqs: tuple[tuple[int, ...], ...] | None = None
    seed: int | None = None


@dataclass(frozen=True)
class SampledSequenceArrays:
    """One generated sequence.

    Attributes:
        tokens: int32 generated tokens (a matched stop sequence is included).
        logprobs: float32 model log-probability (temperature 1, no filtering) of each token.
        stop_reason: ``"stop"`` after EOS or a stop sequence, ``"length"`` at ``max_tokens``.
    """

    tokens: np.ndarray
    logprobs: np.ndarray
    stop_reason: Literal["stop", "length"]


@dataclass(frozen=True)
class SampleResult:
    """What ``sample`` returns.

    Attributes:
        sequences: One entry per requested sample.
        prompt_logprobs: float32 ``[len(prompt)]``, NaN at index 0, or ``None`` if not asked.
        topk_prompt_logprobs: ``(token_ids int32 [L, k], logprobs float32 [L, k])`` sorted by
            descending log-probability; row 0 is the sentinel ``(0, -99999.0)``; ``None`` if not
            asked.
    """

    sequences: list[SampledSequenceArrays]
    prompt_logprobs: np.ndarray | None
    topk_prompt_logprobs: tuple[np.ndarray, np.ndarray] | None
