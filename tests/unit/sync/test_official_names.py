"""The official SDK's *_async names and deprecated arguments, generated from the manifest."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

import tinkex
import tinkex.sync
from tinkex import types
from tinkex.clients.aliasing import AcceptsDeprecated
from tinkex.manifest.generator import generate, write
from tinkex.manifest.loader import default_manifest_path, load_manifest
from tinkex.testing import local_service

if TYPE_CHECKING:
    from pathlib import Path

MANIFEST = load_manifest()
ASYNC_CLASSES: dict[str, type] = {
    "service": tinkex.ServiceClient,
    "training": tinkex.TrainingClient,
    "sampling": tinkex.SamplingClient,
    "rest": tinkex.RestClient,
    "future": tinkex.APIFuture,
}
ALIASES = [
    (client, method, alias)
    for client, spec in MANIFEST.clients.items()
    for method, declared in spec.methods.items()
    for alias in declared.aliases
]


@pytest.mark.parametrize(("client", "method", "alias"), ALIASES)
def test_every_declared_alias_is_an_async_method_with_its_targets_signature(
    client: str, method: str, alias: str
) -> None:
    """Each alias exists on the tinkex class (and the tinkex.sync one), awaitable, same args."""
    cls = ASYNC_CLASSES[client]
    made = getattr(cls, alias)
    assert inspect.iscoroutinefunction(made)
    assert inspect.signature(made) == inspect.signature(getattr(cls, method))
    if client != "future":
        twin = getattr(tinkex.sync, cls.__name__)
        assert inspect.iscoroutinefunction(getattr(twin, alias))
        assert inspect.signature(getattr(twin, alias)) == inspect.signature(made)


def _datum() -> types.Datum:
    tokens = list(b"aliases")
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={"target_tokens": tokens[1:], "weights": [1.0] * (len(tokens) - 1)},
    )


async def test_the_aliases_give_what_the_official_sdk_gives(tmp_path: Path) -> None:
    """*_async of a training submission gives its future; of sampling, the result itself."""
    async with local_service(data_dir=tmp_path) as service:
        training = await service.create_lora_training_client_async("Qwen/Qwen3-8B", rank=4)
        future = await training.forward_backward_async([_datum()], "cross_entropy")
        assert isinstance(future, tinkex.APIFuture)
        output = await future.result_async()
        assert output.metrics["loss:sum"] > 0
        assert await future.coroutine() is output
        info = await training.get_info_async()
        assert info.model_id == training.model_id
        sampler = await training.save_weights_and_get_sampling_client_async()
        response = await sampler.sample_async(types.ModelInput.from_ints([1, 2]), 2)
        assert isinstance(response, types.SampleResponse)
        runs = await service.create_rest_client().list_training_runs_async()
        assert [run.training_run_id for run in runs.training_runs] == [training.model_id]


async def test_name_is_accepted_and_ignored_with_a_deprecation_warning(tmp_path: Path) -> None:
    """save_weights_and_get_sampling_client(name=...) works, as in the official SDK."""
    async with local_service(data_dir=tmp_path) as service:
        training = await service.create_lora_training_client("Qwen/Qwen3-8B", rank=4)
        # Typed as tinkex declares it; called as official code calls it.
        official: Any = training
        with pytest.warns(DeprecationWarning, match=r"name=\.\.\.\) is ignored: the weights"):
            by_keyword = await official.save_weights_and_get_sampling_client(name="ignored")
        with pytest.warns(DeprecationWarning, match="is ignored"):
            by_position = await official.save_weights_and_get_sampling_client("also ignored")
        quiet = await official.save_weights_and_get_sampling_client(None, kind="snapshot")
        ids = {c.sampling_session_id for c in (by_keyword, by_position, quiet)}
        assert len(ids) == 3
        parameters = inspect.signature(tinkex.TrainingClient.save_weights_and_get_sampling_client)
        assert list(parameters.parameters)[:2] == ["self", "name"]


class _Base:
    def call(self, *, flag: bool = False) -> tuple[tuple[Any, ...], bool]:
        return (), flag

    def positional(self, required: int) -> int:
        return required


class _Accepting:
    call = AcceptsDeprecated(old="no longer used", older="gone too")
    positional = AcceptsDeprecated(old="no longer used")


class _Client(_Accepting, _Base):
    pass


def test_deprecated_arguments_come_first_by_position_or_keyword() -> None:
    """Ignored arguments take the first positions; giving one twice is a TypeError."""
    client = _Client()
    assert client.call() == ((), False)
    assert client.call(None, None, flag=True) == ((), True)
    with pytest.warns(DeprecationWarning, match="older"):
        assert client.call(None, older=1) == ((), False)
    with pytest.raises(TypeError, match="multiple values"):
        client.call(1, old=2)
    with pytest.raises(TypeError):
        client.call(None, None, 3)  # nothing else is positional
    # A required positional parameter keeps its place: the ignored one is keyword-only then.
    assert client.positional(5) == 5
    parameters = inspect.signature(_Client.positional).parameters.values()
    assert [(p.name, p.kind.name) for p in parameters] == [
        ("self", "POSITIONAL_OR_KEYWORD"),
        ("required", "POSITIONAL_OR_KEYWORD"),
        ("old", "KEYWORD_ONLY"),
    ]


def test_renaming_an_alias_in_the_manifest_renames_the_generated_methods(tmp_path: Path) -> None:
    """Edit the yaml, regenerate into a copy: both the tinkex and tinkex.sync names change."""
    package = default_manifest_path().resolve().parents[1]
    root = tmp_path / "tree"
    shutil.copytree(package, root / "tinkex", ignore=shutil.ignore_patterns("__pycache__"))
    text = default_manifest_path().read_text(encoding="utf-8")
    edited = text.replace("aliases: {sample_async: result}", "aliases: {sample_later: result}")
    assert edited != text
    (root / "tinkex" / "manifest" / "tinker.yaml").write_text(edited, encoding="utf-8")
    write(generate(load_manifest(edited)), root)
    probe = (
        "import tinkex, tinkex.sync\n"
        "print([hasattr(c, n) for c in (tinkex.SamplingClient, tinkex.sync.SamplingClient)"
        " for n in ('sample_later', 'sample_async')])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[True,", "False,", "True,", "False]"]
