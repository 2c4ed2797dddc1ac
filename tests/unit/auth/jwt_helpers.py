"""Unsigned JWTs for tests (the client never checks signatures)."""

from __future__ import annotations

import base64
import json


def _part(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(iat: float, exp: float, **claims: object) -> str:
    """A JWT with the given issue time, expiry and extra claims."""
    return f"{_part({'alg': 'none'})}.{_part({'iat': iat, 'exp': exp, **claims})}.sig"
