"""Shared pytest configuration for the tinkex test suite."""

import logging
import os
from collections.abc import Iterator

import pytest

# The embedded model's small matrices run slower with several BLAS threads on a busy 2-core
# machine than with one; tests measure behaviour, not speed, so keep BLAS single-threaded.
# This must happen before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _restore_tinkex_logging() -> Iterator[None]:
    """Undo what a test's TINKER_LOG / log_level= did to the ``tinkex`` logger (it is global)."""
    logger = logging.getLogger("tinkex")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate
