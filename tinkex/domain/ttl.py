"""Checkpoint time-to-live validation.

The server keeps a checkpoint for ``ttl_seconds`` and rejects values below one hour (with a
bare 400) or above ten years; None means the checkpoint never expires. Checking on the client
turns that 400 into an error that names the argument and the allowed range.
"""

from __future__ import annotations

from typing import Final

from tinkex.errors import ValidationError

__all__ = ["MAX_TTL_SECONDS", "MIN_TTL_SECONDS", "validate_ttl"]

MIN_TTL_SECONDS: Final = 3600
"""One hour: the shortest TTL the server accepts."""
MAX_TTL_SECONDS: Final = 10 * 365 * 24 * 3600
"""Ten years: the longest TTL the server accepts."""


def validate_ttl(ttl_seconds: int | None, field: str = "ttl_seconds") -> int | None:
    """Check a checkpoint TTL before sending it.

    Args:
        ttl_seconds: Seconds to keep the checkpoint, or None to keep it forever.
        field: Argument name reported in the error.

    Returns:
        The TTL, unchanged.

    Raises:
        ValidationError: Not an int (bool included), or outside [1 hour, 10 years].
    """
    if ttl_seconds is None:
        return None
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
        raise ValidationError(
            f"must be a whole number of seconds or None, got {type(ttl_seconds).__name__}",
            field=field,
        )
    if not MIN_TTL_SECONDS <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValidationError(
            f"must be between {MIN_TTL_SECONDS} (1 hour) and {MAX_TTL_SECONDS} (10 years) "
            f"seconds, got {ttl_seconds}; pass None to keep the checkpoint forever",
            field=field,
        )
    return ttl_seconds
