"""Hypothesis strategies for hostile input: the values an adversarial user passes to the SDK.

Wrong types, integers beyond every wire width, NaN and infinities, strings with lone surrogates
(which UTF-8 cannot encode), bytes where text belongs, empty and huge containers, numpy arrays
of the wrong dtype or rank, and nested mixtures of all of them.

Values that need a constructor (a `ModelInput`, a `Datum`...) are drawn as `Lazy` builders, so a
constructor that refuses them does so inside the case under test, where its error is checked,
and not while hypothesis is drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_INT32 = 2**31 - 1

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
surrogate_text = st.tuples(st.text(max_size=4), surrogates, st.text(max_size=4)).map("".join)
"""Strings UTF-8 cannot encode (each holds a lone surrogate)."""

out_of_int32 = st.one_of(
    st.sampled_from([-1, -(2**31) - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, -(2**63) - 1]),
    st.integers(min_value=2**31, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-1),
    st.just(10**400),
)
"""Integers no token id, count or position may take."""

bad_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, -0.0, 5e-324])

junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    out_of_int32,
    bad_floats,
    st.floats(allow_nan=True, allow_infinity=True),
    surrogate_text,
    st.text(max_size=6),
    st.binary(max_size=6),
    st.builds(object),
    st.complex_numbers(max_magnitude=4, allow_nan=False, allow_infinity=False),
)


def _arrays() -> list[Callable[[], Any]]:
    return [
        lambda: np.array([1.5, 2.0]),
        lambda: np.array([True, False]),
        lambda: np.array(["a", "b"]),
        lambda: np.array([1 + 2j]),
        lambda: np.array([[1, 2], [3, 4]]),
        lambda: np.array(5),
        lambda: np.array([2**40, 3]),
        lambda: np.array([-1, 3], dtype=np.int32),
        lambda: np.array([2**64 - 1], dtype=np.uint64),
        lambda: np.array([np.nan, np.inf], dtype=np.float32),
        lambda: np.array([None, 1], dtype=object),
        lambda: np.zeros(0, dtype=object),
        lambda: np.arange(4, dtype=">i8"),
    ]


junk_arrays = st.sampled_from(_arrays()).map(lambda make: make())
"""numpy arrays of a wrong dtype, rank or range (or odd byte order)."""

_HUGE: list[Callable[[], Any]] = [
    lambda: [None] * 20_000,
    lambda: {str(i): i for i in range(2_000)},
    lambda: [[[[[[[[[[1]]]]]]]]]] * 100,
    lambda: tuple(range(-5, 20_000)),
]
huge_containers = st.sampled_from(_HUGE).map(lambda make: make())

junk = st.recursive(
    st.one_of(junk_scalars, junk_arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=3), surrogate_text, out_of_int32), inner, max_size=3
        ),
        st.tuples(inner, inner),
    ),
    max_leaves=6,
)
"""Any hostile value, nested."""

hostile = st.one_of(junk, huge_containers)


def not_text(value: object) -> bool:
    """Whether `value` is anything but a string UTF-8 can encode."""
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


bad_text = st.one_of(hostile.filter(lambda v: not isinstance(v, str)), surrogate_text)
"""Anything that must not be accepted where a string goes on the wire."""


@dataclass(frozen=True)
class Lazy:
    """A value built when the case runs; `names` are what an error about it may name.

    Attributes:
        make: Builds the value (may raise the constructor's own ValidationError).
        names: Empty for a valid value; for a hostile one, the argument and field names an
            error may report (any one suffices).
        label: A short description for hypothesis statistics.
    """

    make: Callable[[], Any]
    names: frozenset[str] = field(default_factory=frozenset)
    label: str = "valid"

    @property
    def hostile(self) -> bool:
        """Whether the value is meant to be refused."""
        return bool(self.names)


class Build:
    """A value that is only constructed when the case runs (its constructor may refuse it)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def resolve(value: Any) -> Any:
    """The value itself, or what a `Build` constructs."""
    return value.make() if isinstance(value, Build) else value


def valid(value: Any, label: str = "valid") -> Lazy:
    """A valid value, given as it is."""
    return Lazy(lambda: value, frozenset(), label)


def bad(value: Any, *names: str, label: str = "hostile") -> Lazy:
    """A hostile value (or `Build`); an error about it must name one of `names`."""
    return Lazy(lambda: resolve(value), frozenset(names), label)


@dataclass(frozen=True)
class Arg:
    """The valid and the hostile values of one argument.

    Attributes:
        good: Values the call must accept.
        evil: Values the call must refuse, naming the argument.
        weight: How much more often than a plain argument this one is the hostile one (a
            structured argument, with many ways to be wrong, gets more).
    """

    good: st.SearchStrategy[Lazy]
    evil: st.SearchStrategy[Lazy]
    weight: int = 1


def pair(good: st.SearchStrategy[Lazy], *evil: st.SearchStrategy[Lazy], weight: int = 1) -> Arg:
    """An `Arg` from its valid values and any number of hostile ones."""
    return Arg(good, st.one_of(*evil), weight)


@st.composite
def arguments(draw: st.DrawFn, args: list[Arg]) -> list[Lazy]:
    """Draw every argument of a call: all valid, or one (sometimes two) hostile.

    One hostile argument among valid ones is the case that finds a missing check: with
    several, the first check to run hides the others.
    """
    hostile_at = set()
    weighted = st.sampled_from([i for i, a in enumerate(args) for _ in range(a.weight)])
    if args and draw(st.integers(0, 4)) > 0:  # one case in five is all valid
        hostile_at.add(draw(weighted))
        if len(args) > 1 and draw(st.integers(0, 4)) == 0:
            hostile_at.add(draw(weighted))
    return [
        draw(a.evil if index in hostile_at else a.good, label=f"arg {index}")
        for index, a in enumerate(args)
    ]
