"""The official SDK and tinkex's credentials file: ``python official_credentials.py URL OTHER``.

Uses the default key stored in ``$HOME/.tinker/credentials.json`` (written by tinkex) for a
RestClient call, then stores another key in the file OTHER with the official store, and prints
what it saw as one JSON line. Nothing here may import tinkex.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any


def main(url: str, other: str) -> None:
    """Read the stored default key, call the server with it, write OTHER."""
    tinker: Any = importlib.import_module("tinker")
    credentials: Any = importlib.import_module("tinker.lib.credentials")
    store = credentials.JsonCredentialStore(credentials.default_credentials_path())
    record = store.get_default_key()
    models = tinker.RestClient(base_url=url).get_server_capabilities().result().supported_models
    written = credentials.JsonCredentialStore(other)
    written.add_key(
        "77",
        credentials.ManualKey(key="tml-written-by-official", name="official", note="n"),
    )
    written.set_default("77")
    seen = {"type": record.type, "name": record.name, "models": len(models)}
    sys.stdout.write(json.dumps(seen) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
