"""Hand-written behaviour mixed into generated wire types (`mixin:` in tinker.yaml).

Each mixin is a plain class with ``__slots__ = ()`` so msgspec accepts it as a base; it
imports the generated types only lazily, because the generated modules import it.
"""
