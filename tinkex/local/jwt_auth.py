"""JWT mode of the embedded backend: ``auth/token`` exchanges, and JWTs required everywhere else.

With ``BackendConfig(jwt_auth=True)`` (``tinkex serve --jwt``) the backend behaves like the
service with ``pjwt_auth_enabled``: ``client/config`` says so, ``POST /api/v1/auth/token``
exchanges a credential (an API key, or in ``credential_cmd`` mode whatever the credential
command printed) for a short-lived HS256 JWT, and every other ``/api/v1/`` request must carry
such a JWT in ``X-API-Key``. A missing, forged, expired or revoked token is answered with 401
and ``WWW-Authenticate: Bearer error="invalid_token"``, the signal clients replay on.

The token names a principal derived from the credential (``sub`` = ``tml:user:<hash>``), so a
test can tell which credential was exchanged; `revoke_tokens` invalidates every token issued
so far (a key rotation), `revoke_credential` makes the exchange refuse one credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import TYPE_CHECKING

from tinkex.local.reply import HttpError, json_reply

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tinkex.local.reply import Reply
    from tinkex.ports.clock import Clock

__all__ = ["KEY_PATHS", "LOCAL_ORG_ID", "TokenIssuer", "principal_of"]

KEY_PATHS = frozenset({"/api/v1/client/config", "/api/v1/auth/token", "/api/v1/auth/apikey/me"})
"""Paths that take the credential itself in JWT mode (everything else needs a JWT)."""
LOCAL_ORG_ID = "local"
"""``org_id`` of every token."""
_ISSUER = "tinkex-local"
_HEADER = {"alg": "HS256", "typ": "JWT"}
_CHALLENGE = {"www-authenticate": 'Bearer error="invalid_token"'}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def principal_of(credential: str) -> str:
    """The ``sub`` of tokens exchanged for `credential` (a hash: never the credential)."""
    return "tml:user:" + hashlib.sha256(credential.encode()).hexdigest()[:16]


class TokenIssuer:
    """Signs and checks the backend's JWTs.

    Args:
        clock: Wall time (``iat``, ``exp`` and the expiry check).
        ttl_s: Lifetime of a token.
        credential_source: ``api_key`` (the exchange takes ``tml-`` keys or JWTs) or
            ``credential_cmd`` (it takes any credential the command printed).
    """

    def __init__(self, clock: Clock, *, ttl_s: float, credential_source: str) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self.credential_source = credential_source
        self._key = secrets.token_bytes(32)
        self._revoked: set[str] = set()
        self.issued = 0
        """Tokens issued so far."""
        self.exchanged_for: list[str] = []
        """The principal (`principal_of`) of each exchange, in order."""

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far (new exchanges work)."""
        self._key = secrets.token_bytes(32)

    def revoke_credential(self, credential: str) -> None:
        """Make the exchange refuse `credential` with 401 from now on."""
        self._revoked.add(credential)

    def exchange(self, headers: Mapping[str, str]) -> Reply:
        """``POST auth/token``: a JWT for the credential in ``X-API-Key`` (401 if refused)."""
        credential = headers.get("x-api-key", "")
        accepted = credential.startswith(("tml-", "eyJ")) or (
            self.credential_source == "credential_cmd" and credential.isprintable()
        )
        if not credential or not accepted or credential in self._revoked:
            raise HttpError(401, "the credential was refused by the token exchange")
        now = int(self._clock.time())
        subject = principal_of(credential)
        claims = {
            "iss": _ISSUER,
            "sub": subject,
            "org_id": LOCAL_ORG_ID,
            "email": f"{subject.rsplit(':', 1)[1]}@local.tinkex",
            "iat": now,
            "exp": now + self._ttl_s,
        }
        self.issued += 1
        self.exchanged_for.append(subject)
        return json_reply({"jwt": self._sign(claims)})

    def refusal(self, path: str, headers: Mapping[str, str]) -> Reply | None:
        """401 (``invalid_token``) unless `path` takes a key or the request has a valid JWT."""
        if path in KEY_PATHS:
            return None
        if self._valid(headers.get("x-api-key", "")):
            return None
        detail = "a valid JWT from /api/v1/auth/token is required in X-API-Key"
        return json_reply({"detail": detail}, 401, dict(_CHALLENGE))

    def _sign(self, claims: dict[str, object]) -> str:
        head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(signature)}"

    def _valid(self, token: str) -> bool:
        parts = token.split(".")
        if len(parts) != 3:
            return False
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256)
        try:
            if not hmac.compare_digest(expected.digest(), _unb64(parts[2])):
                return False
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return False
        exp = claims.get("exp") if isinstance(claims, dict) else None
        return isinstance(exp, int | float) and exp > self._clock.time()
