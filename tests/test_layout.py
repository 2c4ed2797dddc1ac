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


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_hand_written_module_stays_under_the_size_cap(path: Path) -> None:
    """Hand-written modules stay under the hard cap of 500 lines."""
    if _is_generated(path):
        pytest.skip("generated module")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= HARD_CAP_LINES, f"{path.name} has {lines} lines"


def test_ports_import_only_stdlib_msgspec_and_errors() -> None:
    """Ports depend on nothing of ours but errors and other ports."""
    for path in (PACKAGE / "ports").glob("*.py"):
        for module in _imported_modules(path):
            if module.startswith("tinkex"):
                assert module.startswith(("tinkex.ports", "tinkex.errors")), (path, module)


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
