"""The clients the manifest declares are the ones users get: every method exists."""

from __future__ import annotations

import importlib
import inspect

import pytest

from tinkex.manifest.loader import load_manifest

MANIFEST = load_manifest()


def _client_class(module_path: str) -> type:
    package, _, name = module_path.rpartition(".")
    found = getattr(importlib.import_module(package), name)
    assert inspect.isclass(found), module_path
    return found


@pytest.mark.parametrize(
    ("client", "method"),
    [(c, m) for c, spec in MANIFEST.clients.items() for m in spec.methods],
)
def test_declared_client_method_exists(client: str, method: str) -> None:
    """Each method the manifest lists on a client is a public callable of that class."""
    cls = _client_class(MANIFEST.clients[client].module)
    assert callable(getattr(cls, method, None)), f"{cls.__name__}.{method} is missing"


@pytest.mark.parametrize("flow", sorted(MANIFEST.flows))
def test_every_flow_backs_a_client_method(flow: str) -> None:
    """A flow is reachable: some client method is declared as running it (in some era)."""
    users = [
        (client, name)
        for client, spec in MANIFEST.clients.items()
        for name, method in spec.methods.items()
        if flow in (method.flow, method.json_era_flow)
    ]
    assert users, f"flow {flow} is declared but no client method runs it"
