"""Shared pytest configuration for the tinkex test suite."""

import os

# The embedded model's small matrices run slower with several BLAS threads on a busy 2-core
# machine than with one; tests measure behaviour, not speed, so keep BLAS single-threaded.
# This must happen before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
