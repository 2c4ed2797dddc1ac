"""The client surface is generated from `clients:` and `flows:`: edit them, the clients change.

Each edit is made in a copy of the package (`regenerated_tree`), regenerated there, and the
copy's clients are used in a fresh interpreter against an in-memory server: a renamed method
changes the public name, an added flow step appears on the wire. The hook contract is checked
on generation itself: a hook the manifest names must exist, and a hook nothing names must not.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

import pytest
from regenerated_tree import PACKAGE, SHIPPED_TEXT, edit_line, probe, regenerate_copy

from tinkex.manifest.generator import generate
from tinkex.manifest.hooks import HookError
from tinkex.manifest.loader import load_manifest

if TYPE_CHECKING:
    from pathlib import Path

PROBE = PACKAGE.parent / "tests" / "unit" / "manifest" / "probe_surface.py"
SAMPLER_PATH = "/api/v1/samplers/sampler-1"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the probe sees in a copy of the package edited by nothing."""
    return probe(
        regenerate_copy(tmp_path_factory.mktemp("shipped"), str), script=PROBE, arg="get_sampler"
    )


def test_shipped_surface_sends_one_request_per_rest_call(shipped: dict[str, Any]) -> None:
    """The baseline: get_sampler is a public method and sends exactly its one request."""
    assert "get_sampler" in shipped["methods"]["RestClient"]
    assert shipped["paths"] == [SAMPLER_PATH]
    assert shipped["base_model"] == "tiny"


def test_renaming_a_client_method_renames_the_public_method(
    tmp_path: Path, shipped: dict[str, Any]
) -> None:
    """`get_sampler:` -> `describe_sampler:` in clients.rest: the class has the new name only."""
    root = regenerate_copy(
        tmp_path, lambda text: edit_line(text, "      get_sampler:", "      describe_sampler:")
    )
    seen = probe(root, script=PROBE, arg="describe_sampler")
    rest_methods = seen["methods"]["RestClient"]
    assert "describe_sampler" in rest_methods
    assert "get_sampler" not in rest_methods
    assert "describe_sampler" not in shipped["methods"]["RestClient"]
    assert seen["paths"] == [SAMPLER_PATH]


def test_a_method_added_to_the_yaml_alone_calls_its_endpoint(tmp_path: Path) -> None:
    """A new endpoint-backed method (no hook, no code) is a public, working method."""
    anchor = "      get_sampler:"
    added = (
        "      sampler_by_id:\n"
        "        endpoint: rest.get_sampler\n"
        "        params: {sampler_id: str}\n"
        "        doc: The sampler with this id.\n"
    )
    root = regenerate_copy(tmp_path, lambda text: edit_line(text, anchor, added + anchor))
    seen = probe(root, script=PROBE, arg="sampler_by_id")
    assert "sampler_by_id" in seen["methods"]["RestClient"]
    assert seen["paths"] == [SAMPLER_PATH]
    assert seen["base_model"] == "tiny"


def test_adding_a_flow_step_adds_its_request_on_the_wire(
    tmp_path: Path, shipped: dict[str, Any]
) -> None:
    """A step calling get_server_capabilities, added to the get_sampler flow, is sent first."""
    step = '      - {call: rest.get_sampler, args: {sampler_id: "${sampler}"}}'

    def add_step(text: str) -> str:
        return edit_line(text, step, "      - {call: service.get_server_capabilities}\n" + step)

    seen = probe(regenerate_copy(tmp_path, add_step), script=PROBE, arg="get_sampler")
    assert seen["paths"] == ["/api/v1/get_server_capabilities", SAMPLER_PATH] != shipped["paths"]


def test_the_json_era_alternative_is_the_manifests_choice() -> None:
    """Without `json_era_call`, the compiled flow has no era branch (no `if` in a client)."""
    shipped = generate(load_manifest())["tinkex/clients/generated/service.py"]
    edited_text = SHIPPED_TEXT.replace("        json_era_call: create_then_load\n", "")
    edited = generate(load_manifest(edited_text))["tinkex/clients/generated/service.py"]
    assert shipped.count("await self._flow_create_then_load(") == 2
    assert "await self._flow_create_then_load(" not in edited
    assert shipped.count("speaks_json_era(") == 2
    assert "speaks_json_era(" not in edited


def test_a_hook_the_manifest_names_must_exist() -> None:
    """Referencing a hook that the hooks module lacks fails generation, naming both."""
    text = SHIPPED_TEXT.replace("hook: validate_ttl,", "hook: check_ttl_seconds,")
    assert text != SHIPPED_TEXT
    with pytest.raises(HookError, match=r"check_ttl_seconds.*tinkex\.clients\.rest_hooks"):
        generate(load_manifest(text))


def test_a_hook_nothing_names_fails_generation(tmp_path: Path) -> None:
    """A public function added to a hooks module but named by no manifest entry is refused."""
    shutil.copytree(PACKAGE, tmp_path / "tinkex", ignore=shutil.ignore_patterns("__pycache__"))
    hooks = tmp_path / "tinkex" / "clients" / "rest_hooks.py"
    source = hooks.read_text(encoding="utf-8").replace(
        "__all__ = [", '__all__ = [\n    "stray_hook",', 1
    )
    hooks.write_text(source + "\n\ndef stray_hook() -> None:\n    pass\n", encoding="utf-8")
    generate(load_manifest(), hooks_root=PACKAGE.parent)  # the real tree is fine
    with pytest.raises(HookError, match="stray_hook"):
        generate(load_manifest(), hooks_root=tmp_path)
