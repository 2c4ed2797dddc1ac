"""Structured logging for the pipeline: a redaction processor and a lazily built logger.

Nothing happens at import time and structlog's global configuration is never touched, so an
application's own structlog setup stays intact and two clients can log differently.
`configure_logging` builds a logger whose processors mask credentials; code that logs header
lists also calls `redact_headers` itself, so secrets stay out even when an application routes
events through processors of its own. What counts as a credential is `tinkex.redaction`'s
business (header names, remembered values, key and JWT shapes).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tinkex.redaction import MASK, SECRET_HEADER_NAMES, redact_text

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping

    from structlog.typing import FilteringBoundLogger

__all__ = [
    "MASK",
    "SECRET_HEADER_NAMES",
    "configure_logging",
    "debug_enabled",
    "redact_headers",
    "redact_rendered",
    "redact_secrets",
    "redact_value",
    "resolve_level",
]

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def redact_value(value: object) -> object:
    """Mask credentials inside any string, list, tuple or mapping (recursively).

    Values under a secret header name are masked whole; every string is passed through
    `tinkex.redaction.redact_text` (remembered credentials, API key and JWT shapes).
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        # A (name, value) header pair.
        return (value[0], _redact_item(value[0], value[1]))
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value


def _redact_item(key: object, item: object) -> object:
    if isinstance(key, str) and key.lower() in SECRET_HEADER_NAMES:
        return MASK
    return redact_value(item)


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return header pairs with every secret value masked."""
    return [
        (name, MASK if name.lower() in SECRET_HEADER_NAMES else redact_text(value))
        for name, value in headers
    ]


def redact_secrets(
    logger: object, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Structlog processor: mask secret keys and secret-looking values in an event.

    Args:
        logger: The wrapped logger (unused).
        method_name: The log method name (unused).
        event_dict: The event being processed.

    Returns:
        The same event with secrets masked in place.
    """
    for key in list(event_dict):
        event_dict[key] = _redact_item(key, event_dict[key])
    return event_dict


def redact_rendered(logger: object, method_name: str, rendered: Any) -> Any:
    """Structlog processor after the renderer: mask credentials in the finished line.

    The renderer formats what `redact_secrets` cannot see into, such as the reprs of objects
    and the tracebacks of exceptions passed as ``exc_info``.
    """
    return redact_text(rendered) if isinstance(rendered, str) else rendered


def debug_enabled(logger: object) -> bool:
    """Whether `logger` emits debug events (True when it cannot tell).

    Asked once by code whose debug events are costly to build (e.g. redacted header lists).
    """
    check = getattr(logger, "is_enabled_for", None)
    if check is None:
        return True
    try:
        return bool(check(logging.DEBUG))
    except Exception:  # noqa: BLE001  # an unusual logger: log as before rather than fail
        return True


def resolve_level(level: str | None) -> int:
    """Turn a level name (or `TINKER_LOG` when None) into a stdlib level.

    `debug` and `info` enable those levels, as `TINKER_LOG` does in the official SDK; anything
    else (or nothing) means warnings and errors only.
    """
    name = level if level is not None else os.environ.get("TINKER_LOG", "")
    return _LEVELS.get(name.strip().lower(), logging.WARNING)


def configure_logging(
    level: str | None = None, *, stream: TextIO | None = None
) -> FilteringBoundLogger:
    """Build the tinkex logger: level filtering, timestamps, redaction, console rendering.

    Args:
        level: ``debug``, ``info`` or ``warning``; None reads `TINKER_LOG`.
        stream: Where rendered lines go (default standard error).

    Returns:
        A bound logger; structlog's global configuration is left untouched.
    """
    # Imported here: structlog costs ~15 ms, paid when the first client stack is built
    # rather than by `import tinkex`.
    import structlog

    logger: FilteringBoundLogger = structlog.wrap_logger(
        structlog.PrintLogger(stream if stream is not None else sys.stderr),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.dev.ConsoleRenderer(colors=False),
            redact_rendered,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(resolve_level(level)),
        context_class=dict,
        cache_logger_on_first_use=False,
    )
    return logger.bind(logger="tinkex")
