"""Idempotency keys: one per logical request, reused by its retries, unique without uuid4's cost.

Header and prefix are the manifest's (the retry policy's ``idempotency_header`` and
``idempotency_prefix``, generated into `tinkex.domain.service_spec`): the official SDK's
``stainless-python-retry-``, so servers see the same kind of key from either SDK.
"""

from __future__ import annotations

import itertools
import os
import secrets
from typing import TYPE_CHECKING

from tinkex.domain.service_spec import IDEMPOTENCY_HEADER, IDEMPOTENCY_PREFIX

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["IDEMPOTENCY_HEADER", "IDEMPOTENCY_PREFIX", "idempotency_key_in", "new_idempotency_key"]


def idempotency_key_in(
    headers: Iterable[tuple[str, str]], header: str = IDEMPOTENCY_HEADER
) -> str | None:
    """The last value of the `header` (any case) among `headers`, or None."""
    lowered, length = header.lower(), len(header)
    found = None
    for name, value in headers:
        # The length test skips lower-casing almost every other header name.
        if len(name) == length and name.lower() == lowered:
            found = value
    return found


class _KeySource:
    """Unique keys from a per-process random prefix and a counter (cheaper than uuid4).

    64 random bits tell processes apart and the counter tells requests apart; a forked child
    draws a new prefix so it never repeats its parent's keys.
    """

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self._random = secrets.token_hex(8)
        self._counter = itertools.count()

    def next(self, prefix: str = IDEMPOTENCY_PREFIX) -> str:
        return f"{prefix}{self._random}{next(self._counter):016x}"


_KEYS = _KeySource()
if hasattr(os, "register_at_fork"):  # absent on Windows, where there is no fork
    os.register_at_fork(after_in_child=_KEYS.reseed)


def new_idempotency_key(prefix: str = IDEMPOTENCY_PREFIX) -> str:
    """A fresh idempotency key for one logical request (`prefix` + 32 hex digits)."""
    return _KEYS.next(prefix)
