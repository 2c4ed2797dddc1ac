# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""The client methods generated from the manifest's ``clients:`` and ``flows:`` sections."""
