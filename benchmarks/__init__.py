"""Benchmarks: tinkex vs the official Tinker SDK vs a raw aiohttp loop, on one machine.

Run ``python -m benchmarks run`` (full, a few minutes) or ``python -m benchmarks run --smoke``
(seconds; CI, with the guard of `benchmarks.guard`). Results go to
``benchmarks/results/latest.json``, a markdown table and ``plot.svg``.
This package and ``benchmarks.workers.common`` import only the standard library, because the
official SDK's worker runs them in its own virtualenv.
"""
