"""The hand-written domain hooks a client's generated methods call, and the check that ties them.

A client of the manifest names one hooks module (``clients.<key>.hooks``). Its public
functions (those in its ``__all__``, defined there or re-exported from another module of the
package; UPPER_CASE constants are not hooks) are the hooks; the manifest references
them from methods (``hook:``), state fields (``hook:``) and flow steps (``hook:``).
Generation fails on a hook that is referenced but missing, and on one that is present but
referenced by nothing, so the hand-written surface cannot grow or rot behind the manifest's
back.

The module is read as source (`ast`), not imported: generation must not run client code, and
works on a copy of the tree as well as on the installed package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinkex.manifest.schema import ClientSpec, Manifest

__all__ = [
    "HookError",
    "HookModule",
    "checked_hooks",
    "default_hooks_root",
    "read_hooks",
    "referenced_hooks",
]


class HookError(ValueError):
    """A hooks module and the manifest disagree (a hook missing, or one never referenced)."""


@dataclass(frozen=True)
class HookModule:
    """The hooks of one client.

    Attributes:
        module: The dotted module name (``tinkex.clients.rest_hooks``).
        is_async: Hook name -> whether it is an ``async def`` (its calls are awaited).
    """

    module: str
    is_async: dict[str, bool]

    @property
    def alias(self) -> str:
        """The name the generated code imports the module as (its last component)."""
        return self.module.rsplit(".", 1)[1]


def default_hooks_root() -> Path:
    """The directory holding the ``tinkex`` package the generator itself belongs to."""
    return Path(__file__).resolve().parents[2]


def read_hooks(module: str, root: Path) -> HookModule:
    """The public functions of `module` (found under `root`), from its source.

    Raises:
        HookError: The module is missing, has no ``__all__``, or exports a non-function.
    """
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        raise HookError(f"hooks module {module} not found ({path})")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    functions: dict[str, bool] = {}
    exported: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[node.name] = _awaited(node)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # A hook may be a domain function re-exported as it is.
            for alias in node.names:
                source = _defined_in(node.module, alias.name, root)
                if source is not None:
                    functions[alias.asname or alias.name] = source
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            exported = [ast.literal_eval(e) for e in getattr(node.value, "elts", [])]
    if exported is None:
        raise HookError(f"hooks module {module} has no __all__ listing its hooks")
    # Constants a hooks module shares with its client (UPPER_CASE) are not hooks.
    exported = [name for name in exported if not name.isupper()]
    for name in exported:
        if name not in functions:
            raise HookError(f"{module}.__all__ names {name!r}, which is not a function there")
    return HookModule(module=module, is_async={name: functions[name] for name in exported})


def _defined_in(module: str, name: str, root: Path) -> bool | None:
    """Whether `name`, a function of `module`, is async (None: not a function there)."""
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        return None
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return _awaited(node)
    return None


def _awaited(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a call of the function is awaited: ``async def``, not an async generator."""
    if not isinstance(node, ast.AsyncFunctionDef):
        return False
    return not any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(node))


def referenced_hooks(manifest: Manifest, key: str) -> dict[str, str]:
    """Every hook client `key` references -> where (a manifest key path, for messages)."""
    client: ClientSpec = manifest.clients[key]
    found: dict[str, str] = {}
    for name, state in client.state.items():
        if state.hook is not None:
            found.setdefault(state.hook, f"clients.{key}.state.{name}.hook")
    for name, method in client.methods.items():
        if method.hook is not None:
            found.setdefault(method.hook, f"clients.{key}.methods.{name}.hook")
        if method.check is not None:
            found.setdefault(method.check, f"clients.{key}.methods.{name}.check")
    for flow_name, flow in manifest.flows.items():
        if flow.client != key:
            continue
        for index, step in enumerate(flow.steps):
            if step.hook is not None:
                found.setdefault(step.hook, f"flows.{flow_name}.steps.{index}.hook")
    return found


def checked_hooks(manifest: Manifest, key: str, root: Path) -> HookModule | None:
    """The client's hooks module, checked against what the manifest references.

    Raises:
        HookError: A referenced hook is missing, or a hook is referenced by nothing.
    """
    client = manifest.clients[key]
    wanted = referenced_hooks(manifest, key)
    if not client.hooks:
        if wanted:
            first = next(iter(wanted.values()))
            raise HookError(f"{first} names a hook, but clients.{key} declares no hooks module")
        return None
    hooks = read_hooks(client.hooks, root)
    for name, where in wanted.items():
        if name not in hooks.is_async:
            raise HookError(f"{where}: hook {name!r} is not defined in {client.hooks}")
    unused = sorted(set(hooks.is_async) - set(wanted))
    if unused:
        raise HookError(
            f"{client.hooks} defines hooks no manifest entry references: {', '.join(unused)}"
        )
    return hooks
