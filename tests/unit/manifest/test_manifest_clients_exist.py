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


def _reachable_flows() -> set[str]:
    """Flows a client method runs, and those the steps of a reachable flow call (any era)."""
    reached: set[str] = {
        m.flow for c in MANIFEST.clients.values() for m in c.methods.values() if m.flow is not None
    }
    frontier = set(reached)
    while frontier:
        called = {
            target
            for name in frontier
            for step in MANIFEST.flows[name].steps
            for target in (step.call, step.json_era_call)
            if target is not None and target in MANIFEST.flows
        }
        frontier = called - reached
        reached |= called
    return reached


@pytest.mark.parametrize("flow", sorted(MANIFEST.flows))
def test_every_flow_is_reachable_from_a_client_method(flow: str) -> None:
    """A flow runs: a client method runs it, or a step of a flow that runs calls it."""
    assert flow in _reachable_flows(), f"flow {flow} is declared but nothing runs it"


def test_every_public_method_of_a_client_is_declared_or_lifecycle() -> None:
    """The manifest declares the surface: a public method no entry declares is lifecycle."""
    lifecycle = {
        "start",
        "close",
        "closed",
        "runtime",
        "pending",
        "session_id",
        "clock",
        "telemetry_reporter",
        "add_queue_state_observer",
        "aclose",
    }
    for key, spec in MANIFEST.clients.items():
        if spec.kind != "client":
            continue
        cls = _client_class(spec.module)
        declared = set(spec.methods) | {a for m in spec.methods.values() for a in m.aliases}
        public = {n for n in dir(cls) if not n.startswith("_")}
        attributes = {"model_id", "base_model", "sampling_session_id", "model_path"}
        undeclared = public - declared - lifecycle - attributes
        assert not undeclared, f"{key}: public but not in the manifest: {sorted(undeclared)}"
