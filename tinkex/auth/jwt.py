"""What a client reads from a JWT: its claims, its expiry, and who it names (``whoami``).

The signature is not checked: tinkex only reads tokens its own server handed it (over the
configured connection) or that its user passed as the key, to know when to refresh them and
whom they name, as the official SDK does.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from tinkex.domain.service_spec import JWT_PREFIX
from tinkex.domain.types import WhoamiResponse
from tinkex.errors import ConfigError

__all__ = [
    "ORG_URN_PREFIX",
    "PASSPORT_ISSUER_PREFIX",
    "is_jwt",
    "jwt_claims",
    "jwt_expiry",
    "jwt_lifetime",
    "whoami_from_jwt",
]

ORG_URN_PREFIX = "tml:organization:"
"""``org_urn`` is this prefix and the token's ``org_id`` claim."""
PASSPORT_ISSUER_PREFIX = "passport-"
"""A key that is a JWT from such an issuer carries the caller's identity itself."""


def is_jwt(credential: str) -> bool:
    """True when `credential` looks like a JWT (rather than an opaque API key)."""
    return credential.startswith(JWT_PREFIX) and credential.count(".") == 2


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload claims of `token` (not verified).

    Raises:
        ConfigError: Not a JWT with a JSON object payload (the token is never quoted).
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ConfigError("the credential is not a JWT (expected three dot-separated parts)")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        raise ConfigError("the JWT's payload is not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise ConfigError("the JWT's payload is not a JSON object")
    return claims


def jwt_expiry(token: str) -> float:
    """The ``exp`` claim (epoch seconds).

    Raises:
        ConfigError: No numeric ``exp``.
    """
    return _number(jwt_claims(token), "exp")


def jwt_lifetime(token: str) -> float:
    """``exp - iat`` in seconds (both set by the issuer, so local clock skew does not matter).

    Raises:
        ConfigError: Missing claims, or a lifetime that is not positive.
    """
    claims = jwt_claims(token)
    lifetime = _number(claims, "exp") - _number(claims, "iat")
    if lifetime <= 0:
        raise ConfigError(f"the JWT's lifetime is not positive ({lifetime:g} s)")
    return lifetime


def whoami_from_jwt(token: str) -> WhoamiResponse:
    """Who `token` names: ``sub``, ``tml:organization:<org_id>`` and the email, if any.

    Raises:
        ConfigError: The token lacks ``sub`` or ``org_id``.
    """
    claims = jwt_claims(token)
    subject, org = claims.get("sub"), claims.get("org_id")
    if not isinstance(subject, str) or org is None:
        raise ConfigError("the JWT names no subject (sub) or organization (org_id)")
    email = claims.get("email")
    return WhoamiResponse(
        user_urn=subject,
        org_urn=f"{ORG_URN_PREFIX}{org}",
        email=email if isinstance(email, str) and email else None,
    )


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"the JWT has no numeric {name!r} claim")
    return float(value)
