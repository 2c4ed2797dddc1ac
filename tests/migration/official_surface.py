"""Print the official SDK's public client surface as JSON (run by an interpreter with tinker).

For each client class (and the module's public names): every public method and property, and
each method's parameters (name, kind, whether it has a default). Nothing here imports tinkex.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from typing import Any

CLASSES = ("ServiceClient", "TrainingClient", "SamplingClient", "RestClient", "AdminClient")
FUTURE = "APIFuture"


def _parameters(member: Any) -> list[list[Any]] | None:
    try:
        signature = inspect.signature(member)
    except (TypeError, ValueError):
        return None
    return [
        [p.name, p.kind.name, p.default is not inspect.Parameter.empty]
        for p in signature.parameters.values()
        if p.name not in ("self", "cls")
    ]


def _members(cls: type) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, property):
            found[name] = {"kind": "property"}
            continue
        value = getattr(cls, name)
        if callable(value):
            kind = "static" if isinstance(member, staticmethod | classmethod) else "method"
            found[name] = {"kind": kind, "parameters": _parameters(value)}
    return found


def main() -> None:
    tinker = importlib.import_module("tinker")
    surface = {name: _members(getattr(tinker, name)) for name in (*CLASSES, FUTURE)}
    names = sorted(n for n in dir(tinker) if not n.startswith("_"))
    json.dump({"version": tinker.__version__, "classes": surface, "names": names}, sys.stdout)


if __name__ == "__main__":
    main()
