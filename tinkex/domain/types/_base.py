# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Base of the generated wire Structs and the helper that keeps a default on the wire.

Encoding rule (the official SDK's): fields whose value is None are left out, fields with a
default are sent. Structs use ``omit_defaults=True`` so optional fields (default None)
disappear when None; every other default is declared through `always`, a
``default_factory`` that msgspec never omits.
"""

import copy
from typing import TypeVar

import msgspec

__all__ = ["Wire", "always"]

T = TypeVar("T")


class Wire(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Base of every generated wire type: frozen, keyword-only, None fields omitted."""


def always(value: T) -> T:
    """Declare a default that is always encoded (a fresh copy for mutable values).

    Args:
        value: The default.

    Returns:
        A msgspec field whose default factory returns `value`.
    """
    if isinstance(value, list | dict):
        return msgspec.field(default_factory=lambda: copy.deepcopy(value))
    return msgspec.field(default_factory=lambda: value)
