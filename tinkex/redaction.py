"""What a credential looks like, and how to mask one in text that leaves the client.

Two kinds of secret are masked in error messages and bodies, log events and telemetry:

- the values this process holds as credentials, remembered when they are wrapped in
  `tinkex.config.Secret` or handed to a client method (a weights access token); a server that
  echoes one back in an error body no longer puts it into an exception;
- anything shaped like a Tinker API key (``tml-...``) or a JWT (``eyJ...``), whoever sent it.

The header names here are the one list of credential headers: the aiohttp adapter sends them
to the configured service origin only, and the logging processor masks them by name.

A leaf module (standard library only), so that `tinkex.errors` can use it.
"""

from __future__ import annotations

import re
import threading
from typing import Final

__all__ = [
    "CREDENTIAL_HEADER_NAMES",
    "MASK",
    "SECRET_HEADER_NAMES",
    "redact_text",
    "redact_value",
    "remember_secret",
]

MASK: Final = "***"
"""What a redacted value is replaced with."""

SECRET_HEADER_NAMES: Final = frozenset(
    {
        "authorization",
        "cf-access-client-secret",
        "cookie",
        "proxy-authorization",
        "x-api-key",
        "x-tinker-weights-access-token",
    }
)
"""Lower-cased header (and log event key) names whose values are always masked."""

CREDENTIAL_HEADER_NAMES: Final = SECRET_HEADER_NAMES | {"cf-access-client-id"}
"""Lower-cased names of the headers sent only to the configured service's origin.

The Cloudflare Access client id is not secret on its own, but it is half of a credential
and means nothing to any other host.
"""

# Tinker API keys start with `tml-`; JWTs are base64url parts joined by dots, the first one
# starting `eyJ` (the encoding of `{"`).
_SECRET_SHAPES: Final = re.compile(
    r"tml-[A-Za-z0-9_\-]+|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]*)?"
)
# Shorter remembered values are not searched for in text: they would mangle ordinary words
# and cannot be a real credential (they stay masked by header name in logs).
_MIN_REMEMBERED: Final = 8
# Bounded so that a program creating many clients with fresh tokens cannot grow it for ever;
# the oldest value is forgotten first.
_MAX_REMEMBERED: Final = 256
# "Bearer <token>" and the like: the token alone is remembered too.
_AUTH_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*\s+(\S{8,})\Z")


class _Remembered:
    """The process-wide set of credential values, with a lock-free snapshot for readers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, None] = {}  # insertion-ordered: the oldest is dropped first
        self.snapshot: tuple[str, ...] = ()  # longest first, replaced whole on every change

    def add(self, values: list[str]) -> None:
        with self._lock:
            if all(value in self._values for value in values):
                return
            for value in values:
                self._values.pop(value, None)
                self._values[value] = None
            while len(self._values) > _MAX_REMEMBERED:
                del self._values[next(iter(self._values))]
            self.snapshot = tuple(sorted(self._values, key=len, reverse=True))


_REMEMBERED: Final = _Remembered()


def remember_secret(value: str) -> None:
    """Remember a credential so that `redact_text` masks it from now on.

    Values shorter than 8 characters are ignored. For an ``Authorization``-style value
    (``Bearer <token>``) the token alone is remembered as well.

    Args:
        value: The raw credential.
    """
    if len(value) < _MIN_REMEMBERED:
        return
    values = [value]
    scheme = _AUTH_SCHEME.match(value)
    if scheme is not None:
        values.append(scheme.group(1))
    _REMEMBERED.add(values)


def redact_text(text: str) -> str:
    """Mask every remembered credential and every key- or JWT-shaped token in `text`."""
    if not text:
        return text
    for secret in _REMEMBERED.snapshot:
        if secret in text:
            text = text.replace(secret, MASK)
    if "tml-" in text or "eyJ" in text:
        text = _SECRET_SHAPES.sub(MASK, text)
    return text


def redact_value(value: object) -> object:
    """`redact_text` applied to every string inside `value` (dict keys and values, lists...).

    Returns a new container when anything inside is a container; other values unchanged.
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {redact_value(key): redact_value(item) for key, item in value.items()}
    if type(value) is list:
        return [redact_value(item) for item in value]
    if type(value) is tuple:
        return tuple(redact_value(item) for item in value)
    return value
