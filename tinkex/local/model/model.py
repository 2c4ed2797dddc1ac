"""``TinyModel``: the trainable, samplable LoRA model behind the embedded Tinker backend."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from tinkex.local.model import network as net
from tinkex.local.model.checkpoint import dump_state, load_state, peft_files
from tinkex.local.model.losses import check_batch, loss_value_and_grad, resolve_config
from tinkex.local.model.optimizer import AdamState
from tinkex.local.model.records import ForwardResult, LoraSpec, SampleResult
from tinkex.local.model.sampling import sample_sequences, topk_rows, validate_settings
from tinkex.local.model.tokenizer import BOS_ID, check_token_ids

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from tinkex.local.model.records import AdamSettings, DatumArrays, SampleSettings

__all__ = ["CONTEXT_LENGTH", "TinyModel"]

CONTEXT_LENGTH = 4096
_CHUNK = 4096  # positions per forward/backward chunk


class TinyModel:
    """A tiny byte-level causal LM with LoRA adapters, AdamW and Tinker's losses.

    Base weights are a pure function of ``base_model``; only the adapters train. Gradients
    accumulate across ``forward_backward`` calls until ``optim_step``. Identical inputs give
    bit-identical outputs.

    Attributes:
        base_model: Name the base weights derive from.
        lora: Adapter configuration.
        shape: Network sizes.
        context_length: Longest prompt plus generation ``sample`` accepts.
    """

    def __init__(
        self,
        base_model: str,
        lora: LoraSpec,
        lora_params: dict[str, np.ndarray],
        adam: AdamState,
        *,
        shape: net.NetworkShape,
    ) -> None:
        self.base_model = base_model
        self.lora = lora
        self.shape = shape
        self.context_length = CONTEXT_LENGTH
        self._base = net.init_base(shape, net.seed_from_name(base_model))
        self._params = lora_params
        self._adam = adam
        self._grads = {k: np.zeros_like(v) for k, v in lora_params.items()}

    @classmethod
    def create(
        cls, base_model: str, lora: LoraSpec, *, shape: net.NetworkShape | None = None
    ) -> TinyModel:
        """Create a fresh model whose adapters leave the base unchanged (``B = 0``).

        Args:
            base_model: Base model name; seeds the base weights.
            lora: Adapter configuration; ``lora.seed`` (or the base name) seeds ``A``.
            shape: Network sizes (tests shrink it); the default is the demo model.

        Returns:
            The model.

        Raises:
            ValueError: ``rank < 1`` or no adapter group enabled.
        """
        if lora.rank < 1:
            raise ValueError(f"LoRA rank must be at least 1, got {lora.rank}")
        targets = net.adapter_targets(
            train_attn=lora.train_attn, train_mlp=lora.train_mlp, train_unembed=lora.train_unembed
        )
        shape = shape or net.NetworkShape()
        seed = lora.seed if lora.seed is not None else net.seed_from_name(f"{base_model}/lora")
        base = net.init_base(shape, net.seed_from_name(base_model))
        params = net.init_lora(base, targets, lora.rank, seed % 2**64)
        return cls(base_model, lora, params, AdamState(), shape=shape)

    def forward(
        self,
        data: Sequence[DatumArrays],
        loss_fn: str,
        config: Mapping[str, float | str] | None = None,
    ) -> ForwardResult:
        """Compute target log-probabilities and the loss, without gradients.

        Args:
            data: Examples.
            loss_fn: Loss name (see ``losses``).
            config: ``loss_fn_config``.

        Returns:
            Per-datum log-probabilities and metrics.

        Raises:
            LossInputError: Unknown loss or bad inputs/config.
            VocabularyError: A token id is outside the vocabulary.
        """
        return self._run(data, loss_fn, config, accumulate=False)

    def forward_backward(
        self,
        data: Sequence[DatumArrays],
        loss_fn: str,
        config: Mapping[str, float | str] | None = None,
    ) -> ForwardResult:
        """Like ``forward``, and add the loss gradient to the accumulated gradients.

        Args:
            data: Examples.
            loss_fn: Loss name.
            config: ``loss_fn_config``.

        Returns:
            Per-datum log-probabilities and metrics.

        Raises:
            LossInputError: Unknown loss or bad inputs/config.
            VocabularyError: A token id is outside the vocabulary.
        """
        return self._run(data, loss_fn, config, accumulate=True)

    def _run(
        self,
        data: Sequence[DatumArrays],
        loss_fn: str,
        config: Mapping[str, float | str] | None,
        *,
        accumulate: bool,
    ) -> ForwardResult:
        resolve_config(loss_fn, config)
        keys = check_batch(data, loss_fn)
        if not data:
            return ForwardResult(logprobs=[], metrics={"loss:sum": 0.0})
        lengths = [int(d.tokens.shape[0]) for d in data]
        windows = np.concatenate([net.windows_for(d.tokens, self.shape.window) for d in data])
        inputs = {k: np.concatenate([d.loss_fn_inputs[k] for d in data]) for k in keys}
        targets = inputs["target_tokens"].astype(np.int64)
        weights = net.effective_weights(self._base, self._params)
        # Big batches run in chunks of positions so the [N, vocab] arrays stay small; the
        # backward pass then recomputes each chunk's activations instead of keeping them all.
        chunks = [slice(i, i + _CHUNK) for i in range(0, targets.shape[0], _CHUNK)]
        chunks = chunks or [slice(0, 0)]
        first = net.forward(weights, windows[chunks[0]])
        parts = []
        for i, c in enumerate(chunks):
            rows = (first if i == 0 else net.forward(weights, windows[c])).logprobs
            parts.append(rows[np.arange(rows.shape[0]), targets[c]])
        logprobs = np.concatenate(parts)
        evaluation = loss_value_and_grad(loss_fn, logprobs, inputs, config)
        if accumulate:
            for i, c in enumerate(chunks):
                acts = first if i == 0 else net.forward(weights, windows[c])
                matrix_grads = net.backward(weights, acts, targets[c], evaluation.grad[c])
                for name, grad in net.lora_gradients(matrix_grads, self._params).items():
                    self._grads[name] += grad
        splits = np.split(logprobs.astype(np.float32), np.cumsum(lengths)[:-1])
        return ForwardResult(logprobs=list(splits), metrics=dict(evaluation.metrics))

    def optim_step(self, adam: AdamSettings) -> dict[str, float]:
        """Apply AdamW to the adapters with the accumulated gradients, then zero them.

        Args:
            adam: Hyperparameters.

        Returns:
            Metrics: ``grad_norm:mean`` (before clipping) and ``learning_rate:mean``.
        """
        metrics = self._adam.apply(self._params, self._grads, adam)
        self._grads = {k: np.zeros_like(v) for k, v in self._params.items()}
        return metrics

    def sample(
        self,
        prompt: np.ndarray,
        num_samples: int,
        settings: SampleSettings,
        *,
        prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
    ) -> SampleResult:
        """Generate continuations of a prompt.

        Args:
            prompt: int ``[L]`` prompt tokens.
            num_samples: Number of sequences.
            settings: Sampling parameters.
            prompt_logprobs: Also return each prompt token's log-probability.
            topk_prompt_logprobs: Also return the top-k alternatives per prompt position.

        Returns:
            The sequences and the requested prompt log-probabilities.

        Raises:
            ValueError: Bad settings, or prompt plus ``max_tokens`` exceeds the context length.
            VocabularyError: A prompt or stop token id is outside the vocabulary.
        """
        prompt = np.asarray(prompt, dtype=np.int64).reshape(-1)
        check_token_ids(prompt)
        validate_settings(settings, num_samples)
        budget = self.context_length - prompt.shape[0]
        max_new = budget if settings.max_tokens is None else settings.max_tokens
        if max_new > budget:
            raise ValueError(
                f"prompt ({prompt.shape[0]} tokens) plus max_tokens ({max_new}) exceeds the "
                f"context length {self.context_length}"
            )
        weights = net.effective_weights(self._base, self._params)
        window = self.shape.window
        last = net.windows_for(prompt, window)[-1] if prompt.size else np.full(window, BOS_ID)
        sequences = sample_sequences(
            lambda w: net.forward(weights, w).logprobs, last, num_samples, settings, max(max_new, 0)
        )
        plp, topk = None, None
        if prompt_logprobs or topk_prompt_logprobs > 0:
            rows = net.forward(weights, net.windows_for(prompt[:-1], window)).logprobs
            if prompt_logprobs:
                plp = np.full(prompt.shape[0], np.nan, dtype=np.float32)
                plp[1:] = rows[np.arange(rows.shape[0]), prompt[1:]]
            if topk_prompt_logprobs > 0:
                topk = topk_rows(rows, topk_prompt_logprobs, prompt.shape[0])
        return SampleResult(sequences=sequences, prompt_logprobs=plp, topk_prompt_logprobs=topk)

    def trainable_parameters(self) -> dict[str, np.ndarray]:
        """Return copies of the LoRA parameters (``"<matrix>.lora_a"``/``".lora_b"``)."""
        return {k: v.copy() for k, v in self._params.items()}

    def set_trainable_parameters(self, params: Mapping[str, np.ndarray]) -> None:
        """Replace the LoRA parameters (same names and shapes).

        Args:
            params: New values.

        Raises:
            ValueError: Names or shapes differ from the current parameters.
        """
        if set(params) != set(self._params):
            raise ValueError("parameter names differ from the model's LoRA parameters")
        for name, value in params.items():
            if value.shape != self._params[name].shape:
                raise ValueError(f"parameter {name!r} has shape {value.shape}")
        self._params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

    def accumulated_gradients(self) -> dict[str, np.ndarray]:
        """Return copies of the gradients accumulated since the last ``optim_step``."""
        return {k: v.copy() for k, v in self._grads.items()}

    def state_bytes(self, *, include_optimizer: bool) -> bytes:
        """Serialise the adapters (and optionally the optimizer) exactly.

        Args:
            include_optimizer: Include Adam's moments and step count.

        Returns:
            ``.npz`` bytes for :meth:`from_state_bytes`.
        """
        return dump_state(self._meta(), self._params, self._adam if include_optimizer else None)

    @classmethod
    def from_state_bytes(
        cls, blob: bytes, *, load_optimizer: bool, override_base_model: str | None = None
    ) -> TinyModel:
        """Rebuild a model from :meth:`state_bytes` output.

        Args:
            blob: Checkpoint bytes.
            load_optimizer: Restore Adam's state (if stored); otherwise start it fresh.
            override_base_model: Use this base model name instead of the stored one.

        Returns:
            The model, with zero accumulated gradients.

        Raises:
            ValueError: The blob is not a checkpoint of this model.
        """
        state = load_state(blob)
        try:
            lora = LoraSpec(**state.meta["lora"])
            shape = net.NetworkShape(**state.meta["shape"])
            template = cls.create(str(state.meta["base_model"]), lora, shape=shape)._params
        except (KeyError, TypeError) as exc:
            raise ValueError(f"tiny-model checkpoint metadata is unusable: {exc}") from exc
        if {k: v.shape for k, v in template.items()} != {k: v.shape for k, v in state.lora.items()}:
            raise ValueError("tiny-model checkpoint arrays do not match its LoRA configuration")
        adam = state.adam if load_optimizer and state.adam is not None else AdamState()
        base_model = override_base_model or str(state.meta["base_model"])
        return cls(base_model, lora, state.lora, adam, shape=shape)

    def weights_info(self) -> dict[str, object]:
        """Describe the weights like Tinker's ``weights_info`` (LoRA rank and targets)."""
        return self.lora.weights_info(self.base_model)

    def export_peft(self) -> dict[str, bytes]:
        """Build the files of an external-weights export (``adapter_config.json``, npz)."""
        return peft_files(self._meta(), self._params)

    def _meta(self) -> dict[str, Any]:
        return {
            "base_model": self.base_model,
            "lora": asdict(self.lora),
            "shape": asdict(self.shape),
        }
