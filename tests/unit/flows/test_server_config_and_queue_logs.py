"""Server config negotiation, dynamic-config refresh, and the queue-state logger."""

from __future__ import annotations

import msgspec
import pytest
from flows_fakes import capture_logger, connection_error, status

from tinkex.adapters.clock import FakeClock
from tinkex.errors import AuthenticationError
from tinkex.flows.queue_state import (
    CAPACITY_REASON,
    SAMPLING_RATE_LIMIT_REASON,
    TRAINING_RATE_LIMIT_REASON,
    CompositeObserver,
    QueueStateLogger,
    QueueStateRecorder,
)
from tinkex.flows.server_config import DynamicConfigRefresher, fetch_or_default, negotiate
from tinkex.ports.futures import QueueState


class ClientConfig(msgspec.Struct, frozen=True, kw_only=True):
    pjwt_auth_enabled: bool = False
    parallel_fwdbwd_chunks: bool = True


class DynamicConfig(msgspec.Struct, frozen=True, kw_only=True):
    refresh_interval_sec: float = 300.0
    sample_cancel_enabled: bool = False


async def test_negotiate_returns_the_server_config() -> None:
    """A served config is used as is, not in legacy mode."""

    async def fetch() -> ClientConfig:
        return ClientConfig(pjwt_auth_enabled=True)

    result = await negotiate(fetch, defaults=ClientConfig())
    assert result.config == ClientConfig(pjwt_auth_enabled=True)
    assert not result.legacy


async def test_negotiate_404_means_legacy_defaults_with_one_event() -> None:
    """A server without /client/config yields the defaults, legacy=True, one warning."""
    logger, logs = capture_logger()

    async def fetch() -> ClientConfig:
        raise status(404)

    result = await negotiate(fetch, defaults=ClientConfig(), logger=logger)
    assert result.config == ClientConfig()
    assert result.legacy
    assert [e["event"] for e in logs.entries] == ["server_config.legacy"]


async def test_negotiate_propagates_other_errors() -> None:
    """Anything but 404 (e.g. 401) is raised."""

    async def fetch() -> ClientConfig:
        raise status(401)

    with pytest.raises(AuthenticationError):
        await negotiate(fetch, defaults=ClientConfig())


async def test_dynamic_config_404_means_defaults() -> None:
    """The dynamic config endpoint may be missing: 404 gives the defaults."""

    async def fetch() -> DynamicConfig:
        raise status(404)

    assert await fetch_or_default(fetch, defaults=DynamicConfig()) == DynamicConfig()


async def test_refresher_keeps_last_good_config_and_honours_min_interval() -> None:
    """Refreshes every max(interval, 10) s; failures keep the last known good config."""
    clock = FakeClock(start=0.0)
    replies: list[DynamicConfig | Exception] = [
        DynamicConfig(refresh_interval_sec=2, sample_cancel_enabled=True),
        connection_error(),
        status(404),
        DynamicConfig(refresh_interval_sec=60),
    ]
    fetched_at: list[float] = []
    changes: list[DynamicConfig] = []

    async def fetch() -> DynamicConfig:
        fetched_at.append(clock.monotonic())
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    refresher = DynamicConfigRefresher(
        fetch,
        initial=DynamicConfig(refresh_interval_sec=30),
        clock=clock,
        interval_of=lambda c: c.refresh_interval_sec,
        on_change=changes.append,
    )
    refresher.start()
    await clock.sleep(31)
    assert refresher.current.sample_cancel_enabled
    await clock.sleep(20)
    assert refresher.current == DynamicConfig(refresh_interval_sec=2, sample_cancel_enabled=True)
    await clock.sleep(10)
    await refresher.aclose()
    assert fetched_at == [30, 40, 50, 60]
    assert refresher.failures == 2
    assert refresher.current == DynamicConfig(refresh_interval_sec=60)
    assert len(changes) == 2


async def test_training_logger_waits_fifteen_minutes_then_every_minute() -> None:
    """A training pause is reported only after 15 min, then at most once per 60 s."""
    clock = FakeClock(auto_advance=False)
    logger, logs = capture_logger()
    observer = QueueStateLogger.for_training("run-1", clock=clock, logger=logger)
    for _ in range(15 * 60 // 10 + 12):  # reports every 10 s for 17 minutes
        observer.on_queue_state_change(QueueState.PAUSED_RATE_LIMIT, None)
        clock.advance(10)
    reasons = [e["reason"] for e in logs.entries]
    assert reasons == [TRAINING_RATE_LIMIT_REASON] * 2
    assert logs.entries[0]["detail"] == (
        f"Training for run-1 is paused. Reason: {TRAINING_RATE_LIMIT_REASON}."
    )


async def test_training_logger_restarts_grace_when_state_changes() -> None:
    """Going active resets the pause clock; active itself is never logged."""
    clock = FakeClock(auto_advance=False)
    logger, logs = capture_logger()
    observer = QueueStateLogger.for_training("run-1", clock=clock, logger=logger)
    observer.on_queue_state_change(QueueState.PAUSED_CAPACITY, None)
    clock.advance(14 * 60)
    observer.on_queue_state_change(QueueState.ACTIVE, None)
    observer.on_queue_state_change(QueueState.PAUSED_CAPACITY, None)
    clock.advance(2 * 60)
    observer.on_queue_state_change(QueueState.PAUSED_CAPACITY, None)
    assert logs.entries == []
    clock.advance(14 * 60)
    observer.on_queue_state_change(QueueState.PAUSED_CAPACITY, None)
    assert [e["reason"] for e in logs.entries] == [CAPACITY_REASON]


async def test_sampling_logger_warns_at_once_then_every_minute() -> None:
    """Sampling pauses are reported immediately, at most once per 60 s, with server reasons."""
    clock = FakeClock(auto_advance=False)
    logger, logs = capture_logger()
    observer = QueueStateLogger.for_sampling("sampler-7", clock=clock, logger=logger)
    observer.on_queue_state_change(QueueState.PAUSED_RATE_LIMIT, None)
    clock.advance(30)
    observer.on_queue_state_change(QueueState.PAUSED_RATE_LIMIT, None)
    clock.advance(31)
    observer.on_queue_state_change(QueueState.UNKNOWN, "maintenance")
    assert [e["reason"] for e in logs.entries] == [SAMPLING_RATE_LIMIT_REASON, "maintenance"]
    assert "sampler-7" in logs.entries[0]["detail"]


def test_composite_observer_tells_everyone_despite_a_broken_one() -> None:
    """A raising observer is skipped; the others still hear every report."""

    class Broken:
        def on_queue_state_change(self, queue_state: QueueState, reason: str | None, /) -> None:
            raise RuntimeError("bug")

    logger, logs = capture_logger()
    recorder = QueueStateRecorder()
    CompositeObserver(Broken(), recorder, logger=logger).on_queue_state_change(
        QueueState.PAUSED_CAPACITY, "r"
    )
    assert recorder.states == [QueueState.PAUSED_CAPACITY]
    assert [e["event"] for e in logs.entries] == ["queue.observer_failed"]
