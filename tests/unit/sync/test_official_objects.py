"""Official SDK objects are accepted wherever tinkex types are, and converted back on request."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import sysconfig
import types as stdlib_types
from pathlib import Path
from typing import Any

import numpy as np
import official_lookalikes as official
import pytest

from tinkex import types
from tinkex.domain.official import from_official, from_official_list, is_official, to_official
from tinkex.errors import ValidationError
from tinkex.testing import local_service


def _official_datum(text: bytes) -> official.Datum:
    tokens = list(text)
    return official.Datum(
        model_input=official.ModelInput(chunks=[official.EncodedTextChunk(tokens=tokens[:-1])]),
        loss_fn_inputs={
            "target_tokens": official.TensorData(tokens[1:], "int64", [len(tokens) - 1]),
            "weights": np.ones(len(tokens) - 1, dtype=np.float32),
        },
    )


def test_each_official_type_becomes_its_tinkex_twin() -> None:
    """Datum (nested), SamplingParams (tuple stop), Adam, LoRA, optimizer config, images."""
    datum: object = from_official(_official_datum(b"hello"))
    assert isinstance(datum, types.Datum)
    assert datum.model_input.to_ints() == list(b"hell")
    assert datum.loss_fn_inputs["target_tokens"].tolist() == list(b"ello")
    assert datum.loss_fn_inputs["target_tokens"].dtype == "int64"
    assert datum.loss_fn_inputs["weights"].dtype == "float32"
    convert: Any = from_official  # to mypy the official lookalikes are not tinkex types
    params = convert(official.SamplingParams(max_tokens=3, stop=("a", "b"), seed=4))
    assert params == types.SamplingParams(max_tokens=3, stop=["a", "b"], seed=4)
    assert convert(official.AdamParams(learning_rate=0.5)) == types.AdamParams(learning_rate=0.5)
    assert convert(official.LoraConfig(rank=8)) == types.LoraConfig(rank=8)
    assert isinstance(convert(official.AdamOptimizerConfig()), types.AdamOptimizerConfig)
    image = convert(official.ImageChunk(data=b"\x89PNG", format="png", expected_tokens=4))
    assert image == types.ImageChunk(data=b"\x89PNG", format="png", expected_tokens=4)
    span = convert([official.PromptProvenanceSpan(sequence_id="s", length=2)])
    assert span == [types.PromptProvenanceSpan(sequence_id="s", offset=0, length=2)]


def test_tinkex_and_other_objects_pass_through_untouched() -> None:
    """Only the official package's objects are converted; a tinkex list is not even copied."""
    datum = types.Datum(model_input=types.ModelInput.from_ints([1]), loss_fn_inputs={})
    batch = [datum]
    assert from_official_list(batch, where="data") == batch
    assert from_official(datum) is datum
    assert from_official("text") == "text"
    assert not is_official(datum)
    assert is_official(official.SamplingParams())


def test_bad_official_objects_get_a_validation_error_naming_them() -> None:
    """A single Datum instead of a list, or a lookalike lacking a field, is named."""
    with pytest.raises(ValidationError, match="pass a list, not a single Datum"):
        from_official_list(_official_datum(b"ab"), where="data")  # type: ignore[arg-type]  # untyped callers
    broken = official.ModelInput(chunks=[official.EncodedTextChunk(tokens=[1])])
    del broken.chunks
    with pytest.raises(ValidationError, match="has no 'chunks'") as raised:
        from_official_list([official.Datum(model_input=broken)], where="data")
    assert raised.value.field == "data[0].model_input.chunks"


async def test_the_clients_take_official_objects(tmp_path: Path) -> None:
    """Training, optimizer steps, sampling and run creation take the official objects."""
    async with local_service(data_dir=tmp_path) as typed_service:
        service: Any = typed_service  # official objects are not tinkex types to mypy
        training = await service.create_lora_training_client(
            "Qwen/Qwen3-8B", rank=4, optimizer=official.AdamOptimizerConfig()
        )
        batch = [_official_datum(b"the official datum"), _official_datum(b"and another")]
        official_loss = (await training.forward(batch, "cross_entropy")).metrics["loss:sum"]
        tinkex_batch = [from_official(d) for d in batch]
        tinkex_loss = (await training.forward(tinkex_batch, "cross_entropy")).metrics["loss:sum"]
        assert official_loss == pytest.approx(tinkex_loss)
        await training.forward_backward(batch, "cross_entropy")
        step = await training.optim_step(official.AdamParams(learning_rate=0.01))
        assert step.metrics is not None
        sampler = await training.save_weights_and_get_sampling_client()
        prompt = official.ModelInput(chunks=[official.EncodedTextChunk(tokens=[104, 105])])
        response = await sampler.sample(prompt, 2, official.SamplingParams(max_tokens=3, seed=1))
        assert [len(s.tokens) for s in response.sequences] == [3, 3]


def test_to_official_builds_the_official_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """tinkex objects become the classes of tinker.types (a stand-in module here)."""
    module = stdlib_types.ModuleType("tinker.types")
    for name in official.__all__:
        setattr(module, name, getattr(official, name))
    monkeypatch.setitem(sys.modules, "tinker", stdlib_types.ModuleType("tinker"))
    monkeypatch.setitem(sys.modules, "tinker.types", module)
    datum = types.Datum(
        model_input=types.ModelInput.from_ints(np.array([1, 2, 3], dtype=np.int32)),
        loss_fn_inputs={"weights": [0.5, 1.0, 1.0]},
    )
    back: Any = to_official([datum, "unchanged"])
    assert isinstance(back[0], official.Datum)
    assert back[1] == "unchanged"
    assert back[0].model_input.chunks[0].tokens == [1, 2, 3]
    weights = back[0].loss_fn_inputs["weights"]
    assert isinstance(weights, official.TensorData)
    assert weights.data == [0.5, 1.0, 1.0]
    assert from_official(back[0]) == datum  # type: ignore[comparison-overlap]  # converted


def test_to_official_without_the_official_sdk_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No tinker installed: an ImportError naming the package to install."""
    monkeypatch.setitem(sys.modules, "tinker", None)
    with pytest.raises(ImportError, match="pip install tinker"):
        to_official(types.SamplingParams(max_tokens=1))


def _official_python() -> Path:
    """The interpreter with the official SDK the conformance tests use (skips without one)."""
    conformance = Path(__file__).resolve().parents[2] / "conformance" / "sdk_env.py"
    spec = importlib.util.spec_from_file_location("tinkex_sdk_env", conformance)
    assert spec is not None
    assert spec.loader is not None
    sdk_env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sdk_env)
    python: Path = sdk_env.official_sdk_python(sdk_env.CURRENT_SDK)
    return python


def test_real_official_objects_train_sample_and_come_back(tmp_path: Path) -> None:
    """With tinker 0.38 itself: its Datum, AdamParams, ModelInput, SamplingParams all work."""
    python = _official_python()
    script = Path(__file__).with_name("real_official_objects.py")
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [str(python), str(script), str(root), sysconfig.get_paths()["purelib"], str(tmp_path)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["converted"] == "tinkex.domain.types.training"
    assert seen["loss"] > 0
    assert seen["optim"] is True
    assert seen["samples"] == [3, 3]
    assert seen["back"] == ["Datum", "SamplingParams", "LoraConfig"]
    assert seen["round_trip"] is True
    assert seen["weights"] == [1.0] * 20
