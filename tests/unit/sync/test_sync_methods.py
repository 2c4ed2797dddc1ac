"""The blocking runtime: each decorator of tinkex.sync.methods, and the loop thread itself."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from typing import TYPE_CHECKING, Any

import pytest

from tinkex.adapters.clock import SystemClock
from tinkex.clients.futures import APIFuture as AsyncAPIFuture
from tinkex.clients.futures import FutureTracker
from tinkex.errors import ClosedError, FutureTimeoutError, ValidationError
from tinkex.sync.bases import SyncClient
from tinkex.sync.future import APIFuture
from tinkex.sync.loop import LoopThread
from tinkex.sync.methods import (
    as_future,
    awaited,
    blocking,
    constructor,
    direct,
    future_async,
    streamed,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class FakeAsyncClient:
    """An async client with one method of each shape."""

    def __init__(self, tag: str = "fake") -> None:
        self.tag = tag
        self.closed_iterators = 0
        self.release = asyncio.Event()

    async def double(self, value: int, *, plus: int = 0) -> int:
        """Twice the value."""
        if value < 0:
            raise ValidationError("must be >= 0", field="value")
        return 2 * value + plus

    def submit(self, value: int) -> AsyncAPIFuture[int]:
        if value < 0:
            raise ValidationError("must be >= 0", field="value")
        tracker = FutureTracker("Double", clock=SystemClock())
        return AsyncAPIFuture.start(self.double(value), tracker, name="double")

    async def wait_forever(self) -> int:
        await asyncio.Event().wait()
        return 0

    def thread_name(self) -> str:
        return threading.current_thread().name

    async def count(self, up_to: int) -> AsyncIterator[int]:
        try:
            for number in range(up_to):
                yield number
        finally:
            self.closed_iterators += 1

    @staticmethod
    def build(tag: str) -> FakeAsyncClient:
        return FakeAsyncClient(tag)


class Fake(SyncClient[FakeAsyncClient]):
    """The blocking twin, written as the generator writes one."""

    @blocking(FakeAsyncClient.double)
    def double(self) -> None:
        """Blocking double."""

    @as_future(FakeAsyncClient.double)
    def double_later(self) -> None:
        """A future of double."""

    @as_future(FakeAsyncClient.submit)
    def submit(self) -> None:
        """Submitted double."""

    @as_future(FakeAsyncClient.wait_forever)
    def wait_forever(self) -> None:
        """Never done."""

    @direct(FakeAsyncClient.thread_name)
    def thread_name(self) -> None:
        """Where it ran."""

    @streamed(FakeAsyncClient.count)
    def count(self) -> None:
        """Numbers."""

    @constructor(FakeAsyncClient.build)
    def build(self) -> None:
        """A new one."""

    @awaited(FakeAsyncClient.double)
    def double_async(self) -> None:
        """Awaitable double."""

    @future_async(FakeAsyncClient.submit)
    def submit_async(self) -> None:
        """Awaitable submission."""


@pytest.fixture
def loop() -> Any:
    thread = LoopThread(name="test-sync")
    yield thread
    thread.close()


@pytest.fixture
def fake(loop: LoopThread) -> Fake:
    return Fake.wrap(loop.call(FakeAsyncClient), loop)


def test_blocking_and_future_methods_give_results_and_raise_tinkex_errors(fake: Fake) -> None:
    """A value comes back; a bad argument raises at the call, with its tinkex type."""
    assert fake.double(4, plus=1) == 9
    future = fake.double_later(5)
    assert isinstance(future, APIFuture)
    assert future.result() == 10
    assert fake.submit(6).result(timeout=5) == 12
    with pytest.raises(ValidationError, match="must be >= 0"):
        fake.submit(-1)  # checked when called, as the async method checks
    with pytest.raises(ValidationError):
        fake.double(-1)
    assert isinstance(fake.double_later(-1).exception(), ValidationError)


def test_a_timeout_raises_future_timeout_error_and_cancel_stops_waiting(fake: Fake) -> None:
    """result(timeout) raises tinkex's FutureTimeoutError (a TimeoutError); cancel works."""
    future = fake.wait_forever()
    with pytest.raises(FutureTimeoutError) as raised:
        future.result(timeout=0.05)
    assert isinstance(raised.value, TimeoutError)
    assert not future.done()
    assert future.cancel()
    with pytest.raises(concurrent.futures.CancelledError):
        future.result(timeout=5)
    assert future.state.value == "cancelled"


def test_direct_methods_run_in_the_callers_thread(fake: Fake) -> None:
    """An immediate method is a plain call; everything else runs on the loop thread."""
    assert fake.thread_name() == threading.current_thread().name


def test_iteration_is_blocking_and_closing_early_closes_the_async_iterator(fake: Fake) -> None:
    """Items arrive one by one; leaving the loop early closes the async generator."""
    assert list(fake.count(3)) == [0, 1, 2]
    for number in fake.count(10):
        if number == 1:
            break
    assert fake.async_client.closed_iterators == 2


def test_constructor_builds_the_twin_and_shows_the_async_signature(fake: Fake) -> None:
    """A static constructor is a classmethod; signatures and docs follow the async method."""
    built = Fake.build("other")
    assert isinstance(built, Fake)
    assert built.async_client.tag == "other"
    assert list(inspect.signature(Fake.build).parameters) == ["tag"]
    assert inspect.signature(Fake.double) == inspect.signature(FakeAsyncClient.double)
    assert Fake.double.__doc__ == "Blocking double."
    assert Fake.double.__name__ == "double"


def test_async_forms_can_be_awaited_from_another_loop(fake: Fake) -> None:
    """The *_async forms and the blocking futures can be awaited on the caller's loop."""

    async def caller() -> tuple[int, int, int]:
        submitted = await fake.submit_async(3)
        assert isinstance(submitted, APIFuture)
        return await fake.double_async(2), await submitted, await fake.double_later(1)

    assert asyncio.run(caller()) == (4, 6, 2)


def test_blocking_on_the_loop_thread_itself_is_refused(loop: LoopThread, fake: Fake) -> None:
    """A blocking call from the loop's own thread would wait for itself: RuntimeError."""
    with pytest.raises(RuntimeError, match="own loop thread"):
        loop.call(lambda: fake.double(1))


def test_a_closed_loop_refuses_work(loop: LoopThread, fake: Fake) -> None:
    """After close, calls raise ClosedError and the thread has stopped."""
    loop.close()
    assert not loop.thread.is_alive()
    with pytest.raises(ClosedError):
        fake.double(1)
