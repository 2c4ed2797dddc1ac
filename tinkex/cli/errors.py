"""Turn exceptions into the CLI's short ``Error: <message>`` lines."""

from __future__ import annotations

from typing import Final

from tinkex.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    TinkexError,
)

__all__ = ["describe_error"]

_STATUS_MESSAGES: Final[dict[int, str]] = {
    400: "Invalid request",
    401: "Authentication failed",
    402: "Billing issue",
    403: "Permission denied",
    404: "Resource not found",
    408: "Request timeout",
    409: "Conflict",
    410: "Resource expired",
    422: "Invalid data provided",
    429: "Rate limit exceeded",
}
_MAX_DETAIL: Final = 500


def describe_error(exc: BaseException) -> tuple[str, str | None]:
    """The one-line message and optional detail line for an error the CLI reports.

    API status errors get a short fixed message (``Resource not found``) plus the server's
    ``detail`` text; other tinkex errors (validation, configuration...) are already worded
    for people and are shown as they are. Credentials never appear: tinkex errors do not
    carry them.
    """
    if isinstance(exc, APIStatusError):
        if exc.status >= 500:
            message = "Internal server error"
        else:
            message = _STATUS_MESSAGES.get(exc.status, f"API error (status {exc.status})")
        return message, _server_detail(exc.body)
    if isinstance(exc, APITimeoutError):
        return "Request timeout", str(exc)
    if isinstance(exc, APIConnectionError):
        return "Connection failed", str(exc)
    if isinstance(exc, TinkexError):
        return str(exc), None
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip(": "), None
    return f"{type(exc).__name__}: {exc}", None


def _server_detail(body: object) -> str | None:
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("message") or body.get("error")
        text = detail if isinstance(detail, str) else None
    elif isinstance(body, str):
        text = body
    else:
        text = None
    if not text:
        return None
    return text if len(text) <= _MAX_DETAIL else text[:_MAX_DETAIL] + "..."
