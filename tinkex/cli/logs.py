"""The CLI shows only its own messages; the library's log events appear with ``-v``.

A failed command prints ``Error: Resource not found``; the ``http.error`` event the library
logged on the way is for debugging and stays hidden unless asked for: ``-v`` shows the
library's info events and up, ``-vv`` its debug events, on the CLI's standard error.

tinkex logs through the stdlib ``tinkex`` logger; while a command runs that logger gets one
handler of the CLI's (its standard error with ``-v``, nothing otherwise) and does not
propagate. Its settings are restored afterwards, so `tinkex.cli.main` can run in-process
(tests, notebooks) without changing the host's logging.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TextIO

__all__ = ["library_logging"]

LIBRARY_LOGGER: Final = "tinkex"
_FORMAT: Final = "[%(levelname)s] %(name)s: %(message)s"


@contextlib.contextmanager
def library_logging(verbosity: int, err: TextIO) -> Iterator[None]:
    """While the block runs, send library logging to `err` (``-v``) or nowhere.

    Args:
        verbosity: How many ``-v`` were given.
        err: The CLI's standard error.
    """
    logger = logging.getLogger(LIBRARY_LOGGER)
    saved = (logger.level, logger.propagate, list(logger.handlers))
    handler: logging.Handler
    if verbosity > 0:
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
    else:
        handler = logging.NullHandler()
        logger.setLevel(logging.CRITICAL + 1)
    logger.handlers = [handler]
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]
