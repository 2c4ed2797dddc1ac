"""`as_future(..., check=...)`: arguments checked in the caller's thread, the call started
without waiting for the loop thread (what the manifest's ``check:`` gives `sample`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import pytest

from tinkex.adapters.clock import SystemClock
from tinkex.clients.futures import APIFuture as AsyncAPIFuture
from tinkex.clients.futures import FutureState, FutureTracker
from tinkex.errors import ValidationError
from tinkex.sync.bases import SyncClient
from tinkex.sync.loop import LoopThread
from tinkex.sync.methods import as_future

WAIT_S = 10.0  # generous bound on every wait; the tests finish in milliseconds


class Recorder:
    """An async client recording which submissions started, where, and in what order."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.ran: list[int] = []
        self.threads: set[str] = set()

    def submit(self, value: int) -> AsyncAPIFuture[int]:
        if value < 0:
            raise ValidationError("must be >= 0", field="value")
        if value == 999:
            raise RuntimeError("the client refused it")  # a failure the check cannot see
        self.started.append(value)
        self.threads.add(threading.current_thread().name)
        tracker = FutureTracker("Double", clock=SystemClock())
        return AsyncAPIFuture.start(self._double(value), tracker, name="double")

    async def _double(self, value: int) -> int:
        await asyncio.sleep(0)
        self.ran.append(value)
        return 2 * value


checked_in: list[str] = []


def check_value(value: int) -> None:
    checked_in.append(threading.current_thread().name)
    if value < 0:
        raise ValidationError("must be >= 0", field="value")


class Checked(SyncClient[Recorder]):
    @as_future(Recorder.submit, check=check_value)
    def submit(self) -> None:
        """A checked, started-at-once submission."""


@pytest.fixture
def loop() -> Any:
    thread = LoopThread(name="test-checked")
    yield thread
    thread.close()


def _block(loop: LoopThread) -> threading.Event:
    """Hold the loop's thread until the returned event is set."""
    release = threading.Event()
    entered = threading.Event()

    def hold() -> None:
        entered.set()
        release.wait(WAIT_S)

    loop.post(hold)
    assert entered.wait(WAIT_S)
    return release


def test_the_call_returns_while_the_loop_thread_is_busy(loop: LoopThread) -> None:
    client = Checked.wrap(Recorder(), loop)
    release = _block(loop)
    try:
        future = client.submit(3)  # would wait for the loop thread without `check`
        before = future.state
        assert before is FutureState.SUBMITTING
        assert not future.done()
        assert future.request_id is None
        assert client._inner.started == []
    finally:
        release.set()
    assert future.result(WAIT_S) == 6
    assert future.state is FutureState.DONE
    assert client._inner.threads == {"test-checked"}


def test_bad_arguments_raise_in_the_callers_thread_and_nothing_starts(loop: LoopThread) -> None:
    client = Checked.wrap(Recorder(), loop)
    checked_in.clear()
    with pytest.raises(ValidationError, match="must be >= 0"):
        client.submit(-1)
    assert checked_in == [threading.current_thread().name]
    assert client.submit(0).result(WAIT_S) == 0
    assert client._inner.started == [0]


def test_calls_start_in_the_order_they_were_made(loop: LoopThread) -> None:
    client = Checked.wrap(Recorder(), loop)
    futures = [client.submit(n) for n in range(50)]
    assert [f.result(WAIT_S) for f in futures] == [2 * n for n in range(50)]
    assert client._inner.started == list(range(50))


def test_a_failure_to_start_is_raised_by_result(loop: LoopThread) -> None:
    client = Checked.wrap(Recorder(), loop)
    future = client.submit(999)
    with pytest.raises(RuntimeError, match="refused"):
        future.result(WAIT_S)
    assert future.state is FutureState.FAILED
    assert isinstance(future.exception(WAIT_S), RuntimeError)
    assert future.cancel() is False
    with pytest.raises(RuntimeError, match="refused"):
        _ = future.async_future


def test_cancelling_before_the_start_ran_sends_nothing(loop: LoopThread) -> None:
    client = Checked.wrap(Recorder(), loop)
    release = _block(loop)
    future = client.submit(5)
    cancelled: list[bool] = []
    canceller = threading.Thread(target=lambda: cancelled.append(future.cancel()))
    canceller.start()  # its cancel waits for the loop, which runs the start first
    release.set()
    canceller.join(WAIT_S)
    assert cancelled == [True]
    with pytest.raises(concurrent.futures.CancelledError):
        future.result(WAIT_S)
    assert future.state is FutureState.CANCELLED
    assert client._inner.ran == []  # started, but cancelled before its first step


async def test_the_future_can_be_awaited_from_another_loop(loop: LoopThread) -> None:
    client = Checked.wrap(Recorder(), loop)
    assert await client.submit(4) == 8
    assert await client.submit(5).result_async(WAIT_S) == 10
    assert client.submit(6).async_future.request_type == "Double"
