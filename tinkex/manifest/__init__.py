"""The manifest: `tinker.yaml`, its typed model, its loader and the code generator."""

from tinkex.manifest.loader import default_manifest_path, load_manifest
from tinkex.manifest.schema import Manifest

__all__ = ["Manifest", "default_manifest_path", "load_manifest"]
