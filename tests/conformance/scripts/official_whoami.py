"""Print the official SDK's ``RestClient.whoami()`` as JSON (0.38+, JWT mode only).

Run as ``python official_whoami.py BASE_URL``. Nothing here may import tinkex.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

API_KEY = "tml-conformance"


def main(url: str) -> None:
    """Ask a standalone RestClient who the key is, print ``model_dump()`` as one JSON line."""
    tinker: Any = importlib.import_module("tinker")
    identity = tinker.RestClient(base_url=url, api_key=API_KEY).whoami().result()
    sys.stdout.write(json.dumps(identity.model_dump()) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
