"""The model learns a short text, and checkpoints resume training exactly."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from tinkex.local.model import AdamSettings, ByteTokenizer, DatumArrays, LoraSpec, TinyModel
from tinkex.local.model.checkpoint import dump_state

TEXT = (
    "The quick brown fox jumps over the lazy dog. "
    "A stitch in time saves nine. "
    "All that glitters is not gold. "
) * 4
# Recommended demo settings (see the report): rank 16, lr 1e-2, 8 windows of 32 tokens.
RANK, LR, BATCH, SEQ_LEN = 16, 1e-2, 8, 32


def windows(rng: np.random.Generator, count: int) -> list[DatumArrays]:
    ids = np.array(ByteTokenizer().encode(TEXT), dtype=np.int64)
    data = []
    for start in rng.integers(0, ids.shape[0] - SEQ_LEN - 1, count):
        seq = ids[start : start + SEQ_LEN + 1]
        inputs: dict[str, np.ndarray] = {
            "target_tokens": seq[1:],
            "weights": np.ones(SEQ_LEN, np.float32),
        }
        data.append(DatumArrays(tokens=seq[:-1], loss_fn_inputs=inputs))
    return data


def per_token_loss(model: TinyModel, data: list[DatumArrays]) -> float:
    return model.forward(data, "cross_entropy").metrics["loss:sum"] / (len(data) * SEQ_LEN)


def train(model: TinyModel, rng: np.random.Generator, steps: int) -> None:
    for _ in range(steps):
        model.forward_backward(windows(rng, BATCH), "cross_entropy")
        model.optim_step(AdamSettings(learning_rate=LR))


def test_fresh_model_equals_base_model() -> None:
    """B starts at zero, so adapters of any seed leave the base outputs unchanged."""
    data = windows(np.random.default_rng(1), 2)
    one = TinyModel.create("demo", LoraSpec(rank=4, seed=1)).forward(data, "cross_entropy")
    two = TinyModel.create("demo", LoraSpec(rank=8, seed=2)).forward(data, "cross_entropy")
    other = TinyModel.create("other", LoraSpec(rank=4, seed=1)).forward(data, "cross_entropy")
    for a, b in zip(one.logprobs, two.logprobs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert one.metrics["loss:sum"] != other.metrics["loss:sum"]


def test_training_halves_the_loss_within_thirty_steps() -> None:
    """Cross-entropy per token on held windows falls by at least half in 30 steps."""
    model = TinyModel.create("demo", LoraSpec(rank=RANK, seed=0))
    held_out = windows(np.random.default_rng(123), 16)
    before = per_token_loss(model, held_out)
    train(model, np.random.default_rng(0), 30)
    after = per_token_loss(model, held_out)
    assert after <= 0.5 * before, (before, after)


def test_identical_runs_are_bit_identical() -> None:
    """Same seeds and data give the same parameters bit for bit."""
    runs = []
    for _ in range(2):
        model = TinyModel.create("demo", LoraSpec(rank=4, seed=3))
        train(model, np.random.default_rng(9), 3)
        runs.append(model.state_bytes(include_optimizer=True))
    assert runs[0] == runs[1]


def test_resume_with_optimizer_matches_uninterrupted_run() -> None:
    """Save with optimizer, load, continue: bit-identical to never stopping."""
    straight = TinyModel.create("demo", LoraSpec(rank=4, seed=3))
    train(straight, np.random.default_rng(9), 3)
    blob = straight.state_bytes(include_optimizer=True)
    weights_only = straight.state_bytes(include_optimizer=False)
    train(straight, np.random.default_rng(10), 3)

    resumed = TinyModel.from_state_bytes(blob, load_optimizer=True)
    train(resumed, np.random.default_rng(10), 3)
    for name, value in straight.trainable_parameters().items():
        np.testing.assert_array_equal(resumed.trainable_parameters()[name], value)

    fresh_optimizer = TinyModel.from_state_bytes(weights_only, load_optimizer=True)
    train(fresh_optimizer, np.random.default_rng(10), 3)
    differs = [
        not np.array_equal(fresh_optimizer.trainable_parameters()[name], value)
        for name, value in straight.trainable_parameters().items()
    ]
    assert any(differs)


def test_state_round_trip_is_exact_and_keeps_metadata() -> None:
    """Weights survive bit for bit; base model and LoRA spec come back; override applies."""
    spec = LoraSpec(rank=3, seed=5, train_attn=False)
    model = TinyModel.create("demo", spec)
    train(model, np.random.default_rng(2), 2)
    blob = model.state_bytes(include_optimizer=False)
    loaded = TinyModel.from_state_bytes(blob, load_optimizer=False)
    assert loaded.lora == spec
    assert loaded.base_model == "demo"
    assert loaded.state_bytes(include_optimizer=False) == blob
    renamed = TinyModel.from_state_bytes(blob, load_optimizer=False, override_base_model="x")
    assert renamed.base_model == "x"
    with pytest.raises(ValueError, match="checkpoint"):
        TinyModel.from_state_bytes(b"not a zip", load_optimizer=False)


def test_weights_info_and_peft_export_describe_the_adapters() -> None:
    """weights_info reports the LoRA config; the PEFT export carries config and arrays."""
    model = TinyModel.create("demo", LoraSpec(rank=2, train_mlp=False))
    assert model.weights_info() == {
        "base_model": "demo",
        "is_lora": True,
        "lora_rank": 2,
        "train_unembed": True,
        "train_mlp": False,
        "train_attn": True,
    }
    files = model.export_peft()
    config = json.loads(files["adapter_config.json"])
    assert config["r"] == 2
    assert config["base_model_name_or_path"] == "demo"
    assert config["target_modules"] == ["unembed", "wk", "wo", "wq", "wv"]
    assert files["adapter_model.npz"].startswith(b"PK")


def test_create_rejects_no_adapters_and_bad_rank() -> None:
    """All adapter groups off, or rank 0, is refused at create."""
    off = LoraSpec(rank=2, train_mlp=False, train_attn=False, train_unembed=False)
    with pytest.raises(ValueError, match="at least one of train_mlp/train_attn/train_unembed"):
        TinyModel.create("demo", off)
    with pytest.raises(ValueError, match="rank"):
        TinyModel.create("demo", LoraSpec(rank=0))


def test_checkpoint_whose_arrays_do_not_fit_its_spec_is_refused() -> None:
    """A blob claiming rank 3 but holding rank-2 arrays raises ValueError."""
    model = TinyModel.create("demo", LoraSpec(rank=2))
    meta = {"base_model": "demo", "lora": asdict(LoraSpec(rank=3)), "shape": asdict(model.shape)}
    blob = dump_state(meta, model.trainable_parameters(), None)
    with pytest.raises(ValueError, match="do not match"):
        TinyModel.from_state_bytes(blob, load_optimizer=False)
    bad_meta = dump_state({"base_model": "demo"}, model.trainable_parameters(), None)
    with pytest.raises(ValueError, match="metadata"):
        TinyModel.from_state_bytes(bad_meta, load_optimizer=False)


def test_trainable_parameters_are_copies() -> None:
    """Mutating the returned arrays leaves the model untouched; bad shapes are refused."""
    model = TinyModel.create("demo", LoraSpec(rank=2))
    params = model.trainable_parameters()
    params["w1.lora_b"] += 1.0
    assert not model.trainable_parameters()["w1.lora_b"].any()
    params["w1.lora_b"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"w1\.lora_b"):
        model.set_trainable_parameters(params)
