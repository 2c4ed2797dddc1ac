"""Generate the checked-in code from the manifest, and detect drift from it.

Outputs (paths relative to the output root, normally the repository root)::

    <package>/domain/types/_base.py, <group>.py..., __init__.py
    <package>/api/<resource>.py..., registry.py, __init__.py
    <package>/manifest/compiled.py (the validated Manifest as msgpack, for `load_manifest()`)
    <package>/domain/error_table.py, service_spec.py (constants for modules that must not
        load the manifest: errors, config, version, headers, idempotency keys)
    <package>/clients/official_names.py (the official SDK's aliases, mixed into the clients)
    <package>/sync/clients.py (the blocking clients of tinkex.sync)

Generation is deterministic: the same manifest always yields the same bytes.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from tinkex.manifest.gen_api import render_api_init, render_registry, render_resource, resources
from tinkex.manifest.gen_clients import (
    OFFICIAL_NAMES_MODULE,
    SYNC_CLIENTS_MODULE,
    render_official_names,
    render_sync_clients,
)
from tinkex.manifest.gen_constants import (
    ERROR_TABLE_MODULE,
    SERVICE_SPEC_MODULE,
    render_error_table,
    render_service,
)
from tinkex.manifest.gen_surface import SURFACE_DIR, render_surface, surface_clients
from tinkex.manifest.gen_types import BASE_MODULE, render_group, render_types_init
from tinkex.manifest.hooks import default_hooks_root
from tinkex.manifest.pysource import HEADER

if TYPE_CHECKING:
    from tinkex.manifest.schema import Manifest

SURFACE_INIT = f'''{HEADER}
"""The client methods generated from the manifest's ``clients:`` and ``flows:`` sections."""
'''

__all__ = ["check", "default_output_root", "generate", "render_compiled", "write"]

# Base64 characters per line of the compiled manifest (fits 100 columns with its indent).
_COMPILED_LINE = 88


def default_output_root() -> Path:
    """The directory that contains the `tinkex` package (the repository root)."""
    return Path(__file__).resolve().parents[2]


def generate(
    manifest: Manifest, *, package: str = "tinkex", hooks_root: Path | None = None
) -> dict[str, str]:
    """Render every generated file.

    Args:
        manifest: The validated manifest.
        package: Top-level package the code is generated into (``tinkex``; tests use
            another name to generate into a scratch directory).
        hooks_root: The directory holding the package whose hooks modules the clients'
            generated methods call (default: the one this generator belongs to).

    Raises:
        HookError: A client's hooks module and the manifest disagree.

    Returns:
        File contents keyed by POSIX path relative to the output root, sorted by path.
    """
    root = package.replace(".", "/")
    files: dict[str, str] = {
        f"{root}/domain/types/_base.py": BASE_MODULE,
        f"{root}/domain/types/__init__.py": render_types_init(manifest, package=package),
        f"{root}/api/__init__.py": render_api_init(manifest, package=package),
        f"{root}/api/registry.py": render_registry(manifest, package=package),
        f"{root}/manifest/compiled.py": render_compiled(manifest),
        f"{root}/{ERROR_TABLE_MODULE}": render_error_table(manifest),
        f"{root}/{SERVICE_SPEC_MODULE}": render_service(manifest),
        f"{root}/{OFFICIAL_NAMES_MODULE}": render_official_names(manifest, package=package),
        f"{root}/{SYNC_CLIENTS_MODULE}": render_sync_clients(manifest, package=package),
    }
    hooks_at = hooks_root if hooks_root is not None else default_hooks_root()
    for key in surface_clients(manifest):
        files[f"{root}/{SURFACE_DIR}/{key}.py"] = render_surface(
            manifest, key, package=package, hooks_root=hooks_at
        )
    files[f"{root}/{SURFACE_DIR}/__init__.py"] = SURFACE_INIT
    for group in sorted({t.group for t in manifest.types.values()}):
        files[f"{root}/domain/types/{group}.py"] = render_group(manifest, group, package=package)
    for resource, names in resources(manifest).items():
        files[f"{root}/api/{resource}.py"] = render_resource(
            manifest, resource, names, package=package
        )
    return dict(sorted(files.items()))


def render_compiled(manifest: Manifest) -> str:
    """Render the module holding `manifest` pre-parsed, as base64 of its msgpack encoding.

    `load_manifest()` decodes it instead of parsing the YAML: parsing and validating
    `tinker.yaml` costs about a hundred milliseconds, decoding this about one.
    """
    text = base64.b64encode(msgspec.msgpack.encode(manifest)).decode("ascii")
    lines = [text[i : i + _COMPILED_LINE] for i in range(0, len(text), _COMPILED_LINE)]
    body = "\n".join(f'    "{line}"' for line in lines)
    return (
        f"{HEADER}\n"
        '"""The shipped manifest, validated and encoded (msgpack, base64) by the generator."""\n'
        "\n"
        f"MANIFEST_MSGPACK_B64 = (\n{body}\n)\n"
    )


def write(files: dict[str, str], out: Path) -> list[Path]:
    """Write generated files under `out`, touching only files whose bytes change.

    Returns:
        The paths that were (re)written.
    """
    written = []
    for relative, content in files.items():
        path = out / relative
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def check(files: dict[str, str], out: Path, *, package: str = "tinkex") -> list[str]:
    """List generated files that are missing, different, or stale (no longer generated).

    Args:
        files: What the manifest generates (from `generate`).
        out: The output root to compare against.
        package: The generated package name, to find stale files.

    Returns:
        Relative paths that drifted, sorted; empty when the tree is up to date.
    """
    drifted = {
        relative
        for relative, content in files.items()
        if not (out / relative).exists() or (out / relative).read_text(encoding="utf-8") != content
    }
    root = package.replace(".", "/")
    for folder in (f"{root}/api", f"{root}/domain/types", f"{root}/{SURFACE_DIR}"):
        for path in (out / folder).glob("*.py"):
            relative = path.relative_to(out).as_posix()
            if relative not in files:
                drifted.add(relative)
    return sorted(drifted)
