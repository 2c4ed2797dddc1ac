"""tinkex's logs: stdlib `logging` records under the ``tinkex`` logger hierarchy.

Code logs named events with fields through a structlog bound logger (`get_logger`):
``log.warning("http.error", endpoint=..., status=404)``. Each event becomes one stdlib record
on the logger ``tinkex.<area>``, the area being the event name's first part (``http``,
``futures``, ``session``...; names outside `AREAS` go to ``tinkex`` itself), so tinkex follows
whatever the application configured: plain `logging`, a JSON formatter, or structlog's stdlib
integration (``ProcessorFormatter`` with ``ExtraAdder`` renders the event with the app's
processors). A record carries:

- ``msg``: the event name then its fields, ``http.error endpoint=training.forward status=404``
  (readable with any formatter);
- ``record.event``: the event name, and one attribute per field (passed as ``extra=``); a field
  named like a `LogRecord` attribute (``message``, ``name``...) is stored as ``tinkex_<name>``;
- an exception's traceback, already rendered and redacted, as ``record.exc_text`` and the
  ``exception`` field (the exception object itself never reaches a handler).

Secrets are masked before the record exists: values under a credential header name
(`tinkex.redaction.SECRET_HEADER_NAMES`) whole, every string by `tinkex.redaction.redact_text`.

Library etiquette: ``import tinkex`` puts a `logging.NullHandler` on the ``tinkex`` logger, so
nothing is printed unless the application configures logging or the user asks for it with
``TINKER_LOG=<level>`` / ``log_level=``, which attach one standard-error handler at that level
(`enable_stderr_logging`). structlog stays as the event API (bound loggers, processors,
`structlog.testing.capture_logs`); its global configuration is never touched.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any, Final, TextIO

from tinkex.redaction import MASK, SECRET_HEADER_NAMES, redact_text
from tinkex.redaction import redact_value as redact_strings

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping
    from types import FrameType

    from structlog.typing import FilteringBoundLogger

__all__ = [
    "AREAS",
    "LEVELS",
    "LOGGER_NAME",
    "MASK",
    "SECRET_HEADER_NAMES",
    "StderrHandler",
    "area_logger",
    "configure_logging",
    "debug_enabled",
    "enable_stderr_logging",
    "get_logger",
    "redact_headers",
    "redact_rendered",
    "redact_secrets",
    "redact_value",
    "resolve_level",
]

LOGGER_NAME: Final = "tinkex"
"""The root of tinkex's logger hierarchy."""

AREAS: Final = frozenset(
    {
        "billing",
        "dynamic_config",
        "futures",
        "http",
        "queue",
        "recovery",
        "sampling",
        "server_config",
        "session",
        "telemetry",
    }
)
"""Event-name prefixes that have a logger of their own (``tinkex.<area>``)."""

LEVELS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
"""The level names ``TINKER_LOG`` and ``log_level=`` accept."""
# structlog's method names (what `FilteringBoundLogger` hands the wrapped logger) as levels.
_METHOD_LEVELS: Final = {**LEVELS, "warn": logging.WARNING, "exception": logging.ERROR}
# Attributes every LogRecord has (and the two `Formatter` adds): fields by these names would
# make `Logger.makeRecord` raise, so they are renamed.
_RECORD_KEYS: Final = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}
_OWN_MODULES: Final = (__name__, "structlog")
_ROUTE_KEY: Final = "_tinkex_logger"


def redact_value(value: object) -> object:
    """Mask credentials inside any string, list, tuple or mapping (recursively).

    Values under a secret header name are masked whole; every string is passed through
    `tinkex.redaction.redact_text` (remembered credentials, API key and JWT shapes).
    """
    if isinstance(value, dict):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        # A (name, value) header pair.
        return (value[0], _redact_item(value[0], value[1]))
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return redact_strings(value)


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
    """Structlog processor after a renderer: mask credentials in the finished line.

    A renderer formats what `redact_secrets` cannot see into, such as the reprs of objects
    and the tracebacks of exceptions passed as ``exc_info``.
    """
    return redact_text(rendered) if isinstance(rendered, str) else rendered


def resolve_level(level: str | None) -> int | None:
    """The stdlib level of a ``TINKER_LOG`` / ``log_level`` value, or None when not one.

    Every stdlib level name works (``debug``, ``info``, ``warning``, ``error``,
    ``critical``), in any case and with surrounding spaces.
    """
    if level is None:
        return None
    return LEVELS.get(level.strip().lower())


def area_logger(event: object) -> logging.Logger:
    """The stdlib logger an event goes to: ``tinkex.<area>``, or ``tinkex`` itself."""
    if isinstance(event, str):
        area, dot, _ = event.partition(".")
        if dot and area in AREAS:
            return logging.getLogger(f"{LOGGER_NAME}.{area}")
    return logging.getLogger(LOGGER_NAME)


def _route(
    logger: object, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # First processor: drop what the stdlib logger would discard before any work is done.
    import structlog

    target = area_logger(event_dict.get("event"))
    if not target.isEnabledFor(_METHOD_LEVELS.get(method_name, logging.INFO)):
        raise structlog.DropEvent
    event_dict[_ROUTE_KEY] = target
    return event_dict


def _record_fields(
    logger: object, method_name: str, event_dict: MutableMapping[str, Any]
) -> dict[str, Any]:
    # Last processor: the keyword arguments of `_StdlibSink`'s methods.
    target: logging.Logger = event_dict.pop(_ROUTE_KEY)
    event = str(event_dict.pop("event", ""))
    exc_text = _exception_text(event_dict.pop("exc_info", None))
    stack_info = bool(event_dict.pop("stack_info", False))
    fields = {(f"tinkex_{k}" if k in _RECORD_KEYS else k): v for k, v in event_dict.items()}
    message = " ".join([event, *(f"{key}={_show(value)}" for key, value in fields.items())])
    if exc_text is not None:
        fields["exception"] = exc_text  # structlog's key for a rendered traceback
    return {
        "target": target,
        "msg": message,
        "fields": {"event": event, **fields},
        "exc_text": exc_text,
        "stack_info": stack_info,
    }


def _exception_text(exc_info: object) -> str | None:
    if not exc_info:
        return None
    if isinstance(exc_info, BaseException):
        error: BaseException | None = exc_info
    elif isinstance(exc_info, tuple) and len(exc_info) == 3:
        error = exc_info[1]
    else:
        error = sys.exc_info()[1]
    if error is None:
        return None
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return redact_text("".join(lines).rstrip("\n"))


def _show(value: object) -> str:
    if isinstance(value, str) and value and not any(c.isspace() or c in "'\"=" for c in value):
        return value
    return repr(value)


class _StdlibSink:
    """What the structlog bound logger wraps: writes each processed event as a stdlib record."""

    def _emit(self, level: int, prepared: dict[str, Any]) -> None:
        target: logging.Logger = prepared["target"]
        caller = _caller()
        code = caller.f_code if caller is not None else None
        record = target.makeRecord(
            target.name,
            level,
            code.co_filename if code is not None else "(unknown file)",
            caller.f_lineno if caller is not None else 0,
            prepared["msg"],
            (),
            None,
            code.co_name if code is not None else "(unknown function)",
            prepared["fields"],
            _stack_text(caller) if prepared["stack_info"] else None,
        )
        # Rendered and redacted already: formatters print it instead of the exception.
        record.exc_text = prepared["exc_text"]
        target.handle(record)

    def debug(self, **prepared: Any) -> None:
        self._emit(logging.DEBUG, prepared)

    def info(self, **prepared: Any) -> None:
        self._emit(logging.INFO, prepared)

    def warning(self, **prepared: Any) -> None:
        self._emit(logging.WARNING, prepared)

    def error(self, **prepared: Any) -> None:
        self._emit(logging.ERROR, prepared)

    def critical(self, **prepared: Any) -> None:
        self._emit(logging.CRITICAL, prepared)


def _caller() -> FrameType | None:
    """The first frame outside this module and structlog: where the event was logged."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_OWN_MODULES):
        frame = frame.f_back
    return frame


def _stack_text(frame: FrameType | None) -> str:
    return "Stack (most recent call last):\n" + "".join(traceback.format_stack(frame)).rstrip()


def get_logger() -> FilteringBoundLogger:
    """The tinkex event logger: events become records of the ``tinkex.<area>`` loggers.

    Levels are the stdlib loggers' (nothing is filtered here), so an application that turns
    ``tinkex.http`` up to DEBUG gets the per-attempt events; events no handler would take
    are dropped before any field is rendered.
    """
    # Imported here: structlog costs ~15 ms, paid when the first client stack is built
    # rather than by `import tinkex`.
    import structlog

    return structlog.wrap_logger(  # type: ignore[no-any-return]  # typed by wrapper_class
        _StdlibSink(),
        processors=[_route, redact_secrets, _record_fields],
        wrapper_class=structlog.make_filtering_bound_logger(logging.NOTSET),
        context_class=dict,
        cache_logger_on_first_use=False,
    )


class StderrHandler(logging.StreamHandler[TextIO]):
    """The handler `TINKER_LOG` / ``log_level=`` attach: one line per record, redacted.

    Writes to the standard error of the moment (so a test's or a notebook's capture sees it)
    unless given a stream. Lines look like
    ``2025-01-31T12:00:00.123Z WARNING tinkex.http: http.error endpoint=... status=404``.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._fixed = stream
        formatter = logging.Formatter(
            "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
        )
        formatter.converter = time.gmtime
        self.setFormatter(formatter)

    @property
    def stream(self) -> TextIO:
        """The fixed stream, else the current `sys.stderr`."""
        return self._fixed if self._fixed is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed = value

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then mask credentials (in tracebacks of foreign records too)."""
        return redact_text(super().format(record))


def enable_stderr_logging(level: str | int, *, stream: TextIO | None = None) -> StderrHandler:
    """Show tinkex's records from `level` up on standard error (what `TINKER_LOG` asks for).

    Sets the ``tinkex`` logger's level too, so the records exist whatever the root logger's
    level; other handlers of the application see them as well. One handler per process:
    calling again changes its level and stream.

    Args:
        level: A level name (``debug`` ... ``critical``) or number.
        stream: Where lines go (default: the standard error of the moment).

    Returns:
        The handler.

    Raises:
        ValueError: `level` is not a level name.
    """
    number = level if isinstance(level, int) else resolve_level(level)
    if number is None:
        raise ValueError(f"not a log level: {level!r} (use one of {', '.join(LEVELS)})")
    root = logging.getLogger(LOGGER_NAME)
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler(stream)
        root.addHandler(handler)
    else:
        handler.stream = stream
    handler.setLevel(number)
    root.setLevel(number)
    return handler


def configure_logging(
    level: str | None = None, *, stream: TextIO | None = None
) -> FilteringBoundLogger:
    """The tinkex logger; with a level, also show tinkex's records on standard error.

    Args:
        level: ``debug`` ... ``critical`` (the resolved ``TINKER_LOG`` / ``log_level``), or
            None to leave handlers to the application.
        stream: Where shown lines go (default standard error).

    Returns:
        A bound logger (see `get_logger`); structlog's global configuration is untouched.
    """
    if resolve_level(level) is not None:
        enable_stderr_logging(level or "", stream=stream)
    return get_logger()


def debug_enabled(logger: object) -> bool:
    """Whether `logger` emits debug events (True when it cannot tell).

    Asked once by code whose debug events are costly to build (e.g. redacted header lists).
    For the tinkex logger that is the stdlib answer: is any ``tinkex`` logger on at DEBUG.
    """
    if isinstance(getattr(logger, "_logger", None), _StdlibSink):
        return any(
            logging.getLogger(name).isEnabledFor(logging.DEBUG)
            for name in (LOGGER_NAME, *(f"{LOGGER_NAME}.{area}" for area in AREAS))
        )
    check = getattr(logger, "is_enabled_for", None)
    if check is None:
        return True
    try:
        return bool(check(logging.DEBUG))
    except Exception:  # noqa: BLE001  # an unusual logger: log as before rather than fail
        return True
