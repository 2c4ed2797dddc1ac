"""Table tests of the one backoff formula (`tinkex.domain.backoff.Backoff`)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinkex.domain.backoff import Backoff, Wait

STANDARD = Backoff(base_s=0.5, max_s=10.0, jitter=0.25, retry_after_max_s=60.0)


class Fixed:
    """A jitter source that always draws the same number."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("backoff", "streak", "u", "delay"),
    [
        (STANDARD, 0, 0.0, 0.5),
        (STANDARD, 1, 0.0, 1.0),
        (STANDARD, 4, 0.0, 8.0),
        (STANDARD, 5, 0.0, 10.0),
        (STANDARD, 10**9, 0.0, 10.0),
        (STANDARD, -3, 0.0, 0.5),
        (STANDARD, 2, 0.5, 1.75),
        (STANDARD, 4, 0.999, 6.002),
        (Backoff(base_s=1.0, max_s=30.0), 5, 0.9, 30.0),  # no jitter configured
        (Backoff.constant(5.0), 7, 0.0, 5.0),
        (Backoff(base_s=0.0, max_s=0.0), 3, 0.5, 0.0),
    ],
)
def test_delay_doubles_from_base_caps_and_removes_jitter(
    backoff: Backoff, streak: int, u: float, delay: float
) -> None:
    """min(base * 2**streak, max) with up to `jitter` of it removed."""
    assert backoff.delay(streak, Fixed(u)) == pytest.approx(delay)


def test_no_jitter_source_means_the_nominal_delay() -> None:
    """Without a jitter source the delay is exact even when jitter is configured."""
    assert STANDARD.delay(3) == 4.0


@given(streak=st.integers(-5, 5000), seed=st.integers(0, 2**32))
def test_delay_stays_within_the_jitter_band_and_the_cap(streak: int, seed: int) -> None:
    """Every delay lies in ((1 - jitter) * nominal, nominal] and never above max_s."""
    nominal = min(0.5 * 2.0 ** min(max(streak, 0), 1000), 10.0)
    delay = STANDARD.delay(streak, random.Random(seed))
    assert 0.75 * nominal < delay <= nominal <= 10.0


@pytest.mark.parametrize(
    ("requested", "wait"),
    [
        (None, Wait(2.0, False)),
        (1.5, Wait(1.5, True)),
        (60.0, Wait(60.0, True)),
        (60.001, Wait(2.0, False)),
        (0.0, Wait(2.0, False)),
        (-1.0, Wait(2.0, False)),
        (0.001, Wait(0.001, True)),
    ],
)
def test_wait_takes_an_honoured_server_hint_instead_of_the_backoff(
    requested: float | None, wait: Wait
) -> None:
    """A hint in (0, retry_after_max_s] is waited exactly and marked as requested."""
    assert STANDARD.wait(2, requested_s=requested) == wait


def test_a_loop_that_resets_its_streak_falls_back_to_the_base() -> None:
    """Walk a loop: failures grow the wait, hints do not, a normal answer starts over."""
    backoff = Backoff(base_s=1.0, max_s=30.0)
    streak, waits = 0, []
    for hint in (None, None, 0.25, None, "ok", None):
        if hint == "ok":
            streak = 0
            continue
        wait = backoff.wait(streak, requested_s=hint if isinstance(hint, float) else None)
        waits.append(wait.delay_s)
        streak += 0 if wait.requested else 1
    assert waits == [1.0, 2.0, 0.25, 4.0, 1.0]


@pytest.mark.parametrize(
    "fields",
    [
        {"base_s": -1.0, "max_s": 1.0},
        {"base_s": 2.0, "max_s": 1.0},
        {"base_s": 1.0, "max_s": math.inf},
        {"base_s": math.nan, "max_s": 1.0},
        {"base_s": 1.0, "max_s": 2.0, "jitter": 1.5},
        {"base_s": 1.0, "max_s": 2.0, "jitter": -0.1},
        {"base_s": 1.0, "max_s": 2.0, "retry_after_max_s": -5.0},
    ],
)
def test_bad_backoffs_are_rejected(fields: dict[str, float]) -> None:
    """A negative, non-finite, inverted or over-jittered backoff raises ValueError."""
    with pytest.raises(ValueError, match="backoff"):
        Backoff(**fields)
