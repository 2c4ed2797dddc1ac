"""The reliability soak: tinkex through a fault mix, checked against the server's own record.

``python -m benchmarks.soak`` runs it at full size and regenerates README.md's "Reliability"
section; ``tests/soak/`` runs it at CI size. See `benchmarks.soak.__main__` for the options.
"""
