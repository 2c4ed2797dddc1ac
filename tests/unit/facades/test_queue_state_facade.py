"""The public queue-state module: re-exports, default reasons, observers."""

from __future__ import annotations

import tinkex.queue_state as qs
from tinkex.adapters.clock import FakeClock
from tinkex.queue_state import CompositeObserver, QueueState, QueueStateRecorder, default_reason


def test_default_reasons_match_the_official_messages() -> None:
    """Missing reasons default per state and traffic kind; active has none."""
    assert default_reason(QueueState.ACTIVE, sampling=True) is None
    assert default_reason(QueueState.PAUSED_RATE_LIMIT, sampling=True) == (
        "concurrent sampler weights limit hit"
    )
    assert default_reason(QueueState.PAUSED_RATE_LIMIT, sampling=False) == (
        "concurrent training clients rate limit hit"
    )
    assert default_reason(QueueState.PAUSED_CAPACITY, sampling=False) == qs.CAPACITY_REASON
    assert default_reason(QueueState.UNKNOWN, sampling=False) == "unknown"


def test_composite_observer_keeps_going_past_a_broken_observer() -> None:
    """One observer raising does not stop the recorder behind it."""

    class Broken:
        def on_queue_state_change(self, state: QueueState, reason: str | None, /) -> None:
            raise RuntimeError("bug")

    clock = FakeClock()
    recorder = QueueStateRecorder(clock)
    composite = CompositeObserver(Broken(), recorder)
    composite.on_queue_state_change(QueueState.PAUSED_CAPACITY, None)
    clock.advance(2.0)
    composite.on_queue_state_change(QueueState.ACTIVE, None)
    assert recorder.states == [QueueState.PAUSED_CAPACITY, QueueState.ACTIVE]
    assert recorder.last is not None
    assert recorder.history[1].at - recorder.history[0].at == 2.0


def test_all_public_names_resolve() -> None:
    """Every name in __all__ exists (the re-exports did not drift)."""
    for name in qs.__all__:
        assert hasattr(qs, name)
