"""Compare the official SDK's public surface (from `official_surface.py`) with tinkex's.

A gap is one line: ``Class.method`` (no such method or property), ``Class.method(arg)`` (the
argument is not accepted by that name), or ``Class.method(arg@N)`` (the official SDK takes it
as the Nth positional argument and tinkex does not). Two views are compared: ``tinkex.sync``
(the whole official surface, sync and ``*_async`` names) and the tinkex async clients (every
official name, for code run with ``import tinkex as tinker``).
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["async_gaps", "gaps", "name_gaps", "sync_gaps"]

_SKIPPED_KINDS = {"VAR_POSITIONAL", "VAR_KEYWORD"}


def _accepts(signature: inspect.Signature, name: str) -> bool:
    parameter = signature.parameters.get(name)
    if parameter is not None:
        return parameter.kind is not inspect.Parameter.POSITIONAL_ONLY
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())


def _positional(signature: inspect.Signature) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in signature.parameters.values() if p.kind in kinds]


def _method_gaps(label: str, official: dict[str, Any], member: Any) -> list[str]:
    parameters = official.get("parameters")
    if official["kind"] == "property" or parameters is None:
        return []
    try:
        signature = inspect.signature(member)
    except (TypeError, ValueError):
        return [f"{label}(?)"]
    positional = [n for n in _positional(signature) if n not in ("self", "cls")]
    found = []
    index = 0
    for name, kind, _has_default in parameters:
        if kind in _SKIPPED_KINDS:
            continue
        if not _accepts(signature, name):
            found.append(f"{label}({name})")
        elif kind == "POSITIONAL_OR_KEYWORD" and (
            index >= len(positional) or positional[index] != name
        ):
            found.append(f"{label}({name}@{index})")
        if kind == "POSITIONAL_OR_KEYWORD":
            index += 1
    return found


def gaps(
    surface: dict[str, dict[str, Any]], classes: dict[str, type], *, only_async: bool = False
) -> list[str]:
    """Every official member (or argument) the given tinkex classes lack, sorted."""
    found: list[str] = []
    for class_name, members in surface.items():
        cls = classes.get(class_name)
        if cls is None:
            found.append(class_name)
            continue
        for name, official in members.items():
            if only_async and not name.endswith("_async"):
                continue
            label = f"{class_name}.{name}"
            if not hasattr(cls, name):
                found.append(label)
                continue
            found += _method_gaps(label, official, getattr(cls, name))
    return sorted(found)


def sync_gaps(surface: dict[str, dict[str, Any]]) -> list[str]:
    """What ``import tinkex.sync as tinker`` lacks of the official clients."""
    import tinkex.sync as tinker

    classes = {name: getattr(tinker, name) for name in surface}
    return gaps(surface, classes)


def async_gaps(surface: dict[str, dict[str, Any]]) -> list[str]:
    """What the tinkex clients lack of the official names (``import tinkex as tinker``)."""
    import tinkex

    classes: dict[str, type] = {
        "ServiceClient": tinkex.ServiceClient,
        "TrainingClient": tinkex.TrainingClient,
        "SamplingClient": tinkex.SamplingClient,
        "RestClient": tinkex.RestClient,
        "APIFuture": tinkex.APIFuture,
    }
    return gaps({k: v for k, v in surface.items() if k in classes}, classes)


def name_gaps(names: list[str]) -> list[str]:
    """The official top-level names ``tinkex.sync`` does not offer."""
    import tinkex.sync as tinker

    return sorted(name for name in names if not hasattr(tinker, name))
