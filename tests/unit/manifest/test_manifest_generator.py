"""The code generator: determinism, drift detection, and generated endpoints that work."""

from __future__ import annotations

import importlib
import sys
import uuid
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

import msgspec
import pytest

from tinkex.adapters.memory import InMemoryTransport, json_response
from tinkex.api import registry, rest, training
from tinkex.domain.types import EmptyResponse
from tinkex.manifest import load_manifest
from tinkex.manifest.__main__ import main
from tinkex.manifest.generator import check, default_output_root, generate, write
from tinkex.manifest.loader import default_manifest_path
from tinkex.manifest.pysource import HEADER
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path
    from types import ModuleType

    from tinkex.ports.endpoint import EndpointSpec, QueryValue

T = TypeVar("T")


def test_generation_is_deterministic() -> None:
    """Two loads and generations give byte-identical output."""
    first = generate(load_manifest())
    second = generate(load_manifest())
    assert first == second
    assert list(first) == sorted(first)


def test_checked_in_tree_matches_the_manifest() -> None:
    """`python -m tinkex.manifest --check` passes on the repository."""
    assert check(generate(load_manifest()), default_output_root()) == []
    assert main(["--check"]) == 0


def test_every_generated_file_starts_with_the_header() -> None:
    """Each generated file opens with the do-not-edit header."""
    for content in generate(load_manifest()).values():
        assert content.splitlines()[0] == HEADER


def test_check_lists_changed_missing_and_stale_files(tmp_path: Path) -> None:
    """Drift detection reports edited, missing and no-longer-generated files."""
    files = generate(load_manifest())
    write(files, tmp_path)
    assert check(files, tmp_path) == []
    (tmp_path / "tinkex/api/training.py").write_text("# edited\n", encoding="utf-8")
    (tmp_path / "tinkex/domain/types/sampling.py").unlink()
    (tmp_path / "tinkex/api/obsolete.py").write_text("", encoding="utf-8")
    assert check(files, tmp_path) == [
        "tinkex/api/obsolete.py",
        "tinkex/api/training.py",
        "tinkex/domain/types/sampling.py",
    ]


def test_cli_check_fails_on_drift_and_generate_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--check exits 1 naming drifted files; generate rewrites them; --check then passes."""
    assert main(["generate", "--out", str(tmp_path)]) == 0
    (tmp_path / "tinkex/api/weights.py").write_text("# stale\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert "drifted: tinkex/api/weights.py" in capsys.readouterr().err
    assert main(["generate", "--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0


def test_registry_holds_every_endpoint_spec() -> None:
    """The registry maps each manifest endpoint name to its generated spec."""
    manifest = load_manifest()
    assert set(registry.ENDPOINTS) == set(manifest.endpoints)
    spec = registry.ENDPOINTS["sampling.asample"]
    assert spec.headers == (("X-Tinker-Sampling-Backpressure", "1"),)
    assert (spec.pool, spec.max_retries, spec.future_result) == (
        PoolKind.SAMPLE,
        0,
        "SampleResponse",
    )
    assert registry.ENDPOINTS["training.optim_step"] is training.OPTIM_STEP


class PathInvoker:
    """A minimal Invoker over InMemoryTransport: fills the path, sends JSON, decodes JSON."""

    def __init__(self, transport: InMemoryTransport) -> None:
        self.transport = transport

    async def invoke(
        self,
        endpoint: EndpointSpec,
        body: object | None,
        /,
        *,
        response_type: type[T],
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        path = endpoint.path
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", value)
        request = HttpRequest(
            method=endpoint.method,
            url="http://tinker.test" + path,
            headers=tuple((headers or {}).items()),
            body=None if body is None else msgspec.json.encode(body),
            pool=endpoint.pool,
        )
        response = await self.transport.send(request)
        if response_type is type(None):
            return response_type()
        return msgspec.json.decode(response.body, type=response_type)


@pytest.fixture
def scratch_package(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A uniquely named package directory on sys.path, removed afterwards."""
    name = f"tinkex_gen_{uuid.uuid4().hex[:8]}"
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path, name
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m.split(".", 1)[0] == name]:
            del sys.modules[module]


def _generate_into(text: str, out: Path, package: str) -> ModuleType:
    write(generate(load_manifest(text), package=package), out)
    for folder in (out / package, out / package / "domain"):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    return importlib.import_module(f"{package}.api.training")


async def test_changed_manifest_path_is_what_the_generated_function_requests(
    scratch_package: tuple[Path, str],
) -> None:
    """Editing an endpoint path in the manifest changes the path the generated code sends."""
    out, package = scratch_package
    text = default_manifest_path().read_text(encoding="utf-8")
    assert text.count("path: /api/v1/optim_step\n") == 1
    edited = text.replace("path: /api/v1/optim_step\n", "path: /api/v2/optimizer/step\n")
    module = _generate_into(edited, out, package)
    types = importlib.import_module(f"{package}.domain.types.training")
    transport = InMemoryTransport()
    transport.route(
        "POST", "/api/v2/optimizer/step", lambda _: json_response('{"request_id": "r-1"}')
    )
    future = await module.optim_step(
        PathInvoker(transport), types.OptimStepRequest(model_id="m", seq_id=1)
    )
    assert future.request_id == "r-1"
    assert transport.paths() == ["/api/v2/optimizer/step"]
    sent = msgspec.json.decode(transport.sent[0].body or b"")
    assert sent == {"type": "optim_step", "model_id": "m", "seq_id": 1}
    assert module.OPTIM_STEP.path == "/api/v2/optimizer/step"


async def test_generated_rest_function_fills_path_params_verbatim() -> None:
    """Path parameters are inserted as given (a checkpoint id keeps its slash)."""
    transport = InMemoryTransport()
    transport.route("DELETE", "/api/v1/training_runs/run-1/checkpoints/weights/a", _empty_ok)
    result = await rest.delete_checkpoint(
        PathInvoker(transport), run_id="run-1", checkpoint_id="weights/a"
    )
    assert urlsplit(transport.sent[0].url).path == (
        "/api/v1/training_runs/run-1/checkpoints/weights/a"
    )
    assert transport.sent[0].body is None
    assert result == EmptyResponse()


def _empty_ok(_: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)
