"""Every example runs offline against the embedded backend and exits 0."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_"))


def _load(name: str) -> ModuleType:
    if str(EXAMPLES) not in sys.path:
        sys.path.append(str(EXAMPLES))  # the examples import their shared _common module
    spec = importlib.util.spec_from_file_location(f"tinkex_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_listed_in_the_readme() -> None:
    """examples/README.md names every example script."""
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    missing = [name for name in NAMES if f"`{name}.py`" not in readme]
    assert missing == []


@pytest.mark.parametrize("name", NAMES)
async def test_example_runs_offline_and_exits_zero(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example's main() succeeds against the in-process backend, printing what it shows."""
    for variable in ("TINKER_BASE_URL", "TINKER_BASE_MODEL", "TINKER_PROMPT", "TINKER_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    module = _load(name)
    main: Any = module.main
    code = await main(["--base-url", "local", "--data-dir", str(tmp_path), "--quick"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip(), "an example prints what it demonstrates"
