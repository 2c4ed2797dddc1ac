"""Structural rules of the code base: file sizes and the layering of imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tinkex"
GENERATED_MARK = "do not edit"
HARD_CAP_LINES = 500


def _python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_pb2" not in p.name)


def _is_generated(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return GENERATED_MARK in handle.readline()


def _imported_modules(path: Path, *, run_time_only: bool = False) -> set[str]:
    """Absolute modules `path` imports; `run_time_only` skips ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if run_time_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    """True when `module` is one of `packages` or inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_hand_written_module_stays_under_the_size_cap(path: Path) -> None:
    """Hand-written modules stay under the hard cap of 500 lines."""
    if _is_generated(path):
        pytest.skip("generated module")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= HARD_CAP_LINES, f"{path.name} has {lines} lines"


def test_ports_import_only_stdlib_msgspec_and_errors() -> None:
    """Ports depend on nothing of ours but errors and other ports.

    Two exceptions, in annotations only (under ``if TYPE_CHECKING:``): `ClientContext`
    (``ports/client.py``), the bundle the clients see, names the flow, domain and config types
    of its members, and `ServerConfigSource` (``ports/server_config.py``) names the server's
    config types. Neither ever names an adapter, the composition root or a client.
    """
    annotation_only_banned = (
        "tinkex.adapters",
        "tinkex.bootstrap",
        "tinkex.clients",
        "tinkex.local",
        "aiohttp",
    )
    for path in (PACKAGE / "ports").glob("*.py"):
        bundle = path.name in {"client.py", "server_config.py"}
        for module in _imported_modules(path, run_time_only=bundle):
            if module.startswith("tinkex"):
                assert module.startswith(("tinkex.ports", "tinkex.errors")), (path, module)
        for module in _imported_modules(path):
            assert not _within(module, annotation_only_banned), (path, module)


def test_domain_never_imports_adapters_flows_or_io_libraries() -> None:
    """The domain layer sees the outside world only through ports."""
    banned = ("tinkex.adapters", "tinkex.flows", "tinkex.local", "tinkex.bootstrap", "aiohttp")
    for path in (PACKAGE / "domain").rglob("*.py"):
        for module in _imported_modules(path):
            assert not module.startswith(banned), (path, module)
            assert module != "msgspec.json", (path, module)


def test_flows_never_import_adapters_or_the_embedded_backend() -> None:
    """Flows orchestrate ports; concrete adapters are chosen by the composition root."""
    for path in (PACKAGE / "flows").rglob("*.py"):
        for module in _imported_modules(path):
            assert not module.startswith(("tinkex.adapters", "tinkex.local", "aiohttp")), (
                path,
                module,
            )


def test_clients_depend_on_ports_never_on_the_composition_root() -> None:
    """Clients see their stack through `tinkex.ports.client.ClientContext`, not `Runtime`."""
    # Adapters too: the real clock and the JSON codec a client needs without a stack come
    # from `tinkex._compose`, typed as their ports.
    banned = ("tinkex.bootstrap", "tinkex.adapters", "tinkex.cli", "tinkex.sync", "aiohttp")
    for path in (PACKAGE / "clients").rglob("*.py"):
        for module in _imported_modules(path):
            assert not _within(module, banned), (path, module)
        for module in _imported_modules(path, run_time_only=True):
            # The embedded backend is named in annotations only; `base_url="local"` reaches
            # it through the composition root.
            assert not _within(module, ("tinkex.local",)), (path, module)


def test_the_runtime_is_built_only_by_the_composition_root() -> None:
    """`Runtime(...)` is constructed in exactly one place: `tinkex.bootstrap.compose`."""
    builders = [
        path.relative_to(ROOT).as_posix()
        for path in _python_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Runtime"
    ]
    assert builders == ["tinkex/bootstrap/compose.py"]


def test_the_embedded_backend_shares_wire_types_and_nothing_client_side() -> None:
    """`tinkex.local` is a server: it shares the wire types, never the client's machinery."""
    client_side = (
        "tinkex.clients",
        "tinkex.flows",
        "tinkex.bootstrap",
        "tinkex.api",
        "tinkex.auth",
        "tinkex.sync",
        "tinkex.cli",
        "tinkex.testing",
        "tinkex.recovery",
        "tinkex.telemetry",
    )
    for path in (PACKAGE / "local").rglob("*.py"):
        for module in _imported_modules(path):
            assert not _within(module, client_side), (path, module)
            assert module != "tinkex", (path, module)
