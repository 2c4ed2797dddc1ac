"""Import cost: the compiled manifest, and what `tinkex.ServiceClient` leaves unloaded."""

from __future__ import annotations

import subprocess
import sys

from tinkex.manifest.generator import generate
from tinkex.manifest.loader import default_manifest_path, load_compiled_manifest, load_manifest

# Loaded only when a client stack is built (or a custom manifest is parsed), not on import.
DEFERRED = ("yaml", "structlog", "google.protobuf", "tinkex.local", "tinkex.flows.invoker")


def test_compiled_manifest_equals_the_yaml_it_was_generated_from() -> None:
    """The shipped compiled form decodes to exactly what parsing tinker.yaml gives."""
    parsed = load_manifest(default_manifest_path())
    assert load_compiled_manifest() == parsed
    assert load_manifest() == parsed


def test_generate_writes_the_compiled_manifest_of_the_given_manifest() -> None:
    """The compiled module is part of the generated files and follows manifest edits."""
    text = default_manifest_path().read_text(encoding="utf-8")
    edited = text.replace("path: /api/v1/optim_step\n", "path: /api/v2/optimizer/step\n")
    original = generate(load_manifest(text))["tinkex/manifest/compiled.py"]
    changed = generate(load_manifest(edited))["tinkex/manifest/compiled.py"]
    assert original != changed
    namespace: dict[str, object] = {}
    exec(compile(changed, "compiled.py", "exec"), namespace)
    assert isinstance(namespace["MANIFEST_MSGPACK_B64"], str)


def test_service_client_import_leaves_the_stack_unloaded() -> None:
    """Importing and touching ServiceClient/types loads no YAML, structlog, protobuf, backend."""
    probe = (
        "import sys, tinkex; tinkex.ServiceClient; tinkex.types.Datum; "
        f"print(','.join(m for m in {DEFERRED!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""
