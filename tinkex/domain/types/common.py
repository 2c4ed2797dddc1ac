# Generated from tinkex/manifest/tinker.yaml by python -m tinkex.manifest generate; do not edit.
"""Wire types of the ``common`` group."""

from tinkex.domain.types._base import Wire

__all__ = [
    "Cursor",
    "EmptyResponse",
]


class EmptyResponse(Wire, frozen=True, kw_only=True):
    """A response whose body is ignored; any JSON object decodes into it."""


class Cursor(Wire, frozen=True, kw_only=True):
    """Offset pagination state."""

    offset: int
    limit: int
    total_count: int
