"""Argument checks shared by the REST client methods; each raises before anything is sent.

Identifiers end up inside URL paths, so an empty one or one holding ``/`` would silently address
another resource; checking here turns that into a `ValidationError` naming the argument.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal

from tinkex.errors import ValidationError

__all__ = [
    "MAX_BILLING_WINDOW",
    "AccessScope",
    "check_access_scope",
    "check_billing_window",
    "check_day",
    "check_id",
    "check_optional_text",
]

AccessScope = Literal["owned", "accessible"]

MAX_BILLING_WINDOW: Final = timedelta(days=14)
"""The longest span one billing usage request may cover."""

_SCOPES: Final[tuple[AccessScope, ...]] = ("owned", "accessible")


def check_id(value: object, field: str) -> str:
    """Return `value` if it is a non-empty string without ``/`` or surrounding whitespace.

    Raises:
        ValidationError: Otherwise.
    """
    if not isinstance(value, str) or not value:
        raise ValidationError("must be a non-empty string", field=field)
    if "/" in value or value != value.strip():
        raise ValidationError(f"{value!r} must not contain '/' or surrounding spaces", field=field)
    return value


def check_optional_text(value: object, field: str) -> str | None:
    """Return `value` if it is None or a non-empty string.

    Raises:
        ValidationError: Otherwise.
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string or None", field=field)
    return value


def check_access_scope(value: object, field: str = "access_scope") -> AccessScope:
    """Return `value` if it is ``owned`` or ``accessible``.

    Raises:
        ValidationError: Otherwise.
    """
    if isinstance(value, str):  # == on an array would compare element-wise
        for scope in _SCOPES:
            if value == scope:
                return scope
    raise ValidationError(f"must be 'owned' or 'accessible', got {value!r}", field=field)


def check_day(day: object, field: str = "day") -> str | None:
    """Return an audit-log day (``YYYY-MM-DD``, a `date` or None) as the wire string.

    Raises:
        ValidationError: Not a valid calendar day.
    """
    if day is None:
        return None
    if hasattr(day, "isoformat") and not isinstance(day, str):
        day = day.isoformat()[:10]
    if not isinstance(day, str):
        raise ValidationError(f"must be a YYYY-MM-DD string or a date, got {day!r}", field=field)
    try:
        if len(day) != 10:
            raise ValueError(day)
        date.fromisoformat(day)
    except ValueError as exc:
        raise ValidationError(f"must be a YYYY-MM-DD day, got {day!r}", field=field) from exc
    return day


def _instant(value: object, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(f"{value!r} is not an RFC 3339 instant", field=field) from exc
    if not isinstance(value, datetime):
        raise ValidationError("must be a datetime or an RFC 3339 string", field=field)
    if value.tzinfo is None:
        raise ValidationError("must carry a time zone (e.g. ...Z or +00:00)", field=field)
    if (value.minute, value.second, value.microsecond) != (0, 0, 0):
        raise ValidationError("must fall on a whole hour", field=field)
    return value.astimezone(UTC)


def check_billing_window(starting_on: object, ending_before: object) -> tuple[str, str]:
    """Validate a billing usage window and return both ends as RFC 3339 UTC strings.

    Raises:
        ValidationError: An end is not an hour-aligned, zoned instant, the window is empty, or
            it spans more than 14 days.
    """
    start = _instant(starting_on, "starting_on")
    end = _instant(ending_before, "ending_before")
    if end <= start:
        raise ValidationError("must be after starting_on", field="ending_before")
    if end - start > MAX_BILLING_WINDOW:
        raise ValidationError("the window may span at most 14 days", field="ending_before")
    return _rfc3339(start), _rfc3339(end)


def _rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
