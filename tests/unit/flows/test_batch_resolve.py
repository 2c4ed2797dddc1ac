"""Samples resolved through the batch poller: one fetch each, deadlines, cancellation."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from batch_fakes import CANCEL, RETRIEVE_MANY, FuturesServer, status
from flows_fakes import JSON_CODEC, PROTOBUF_CODEC, RETRIEVE_SPEC, capture_logger

from tinkex.adapters.clock import FakeClock
from tinkex.errors import FutureTimeoutError, RequestFailedError
from tinkex.flows.batch_polling import SessionFutures
from tinkex.flows.bytes_semaphore import BytesSemaphore
from tinkex.flows.polling import PollingFutureResolver
from tinkex.flows.polling_state import SessionFuturesError
from tinkex.flows.sample_cancel import SampleCancels

SESSION = "sess-1:sample:0"


class Stack:
    """A resolver wired like the runtime's: batch poller, cancel queue, inflight budget."""

    def __init__(self, *, cancel: bool = True) -> None:
        self.server = FuturesServer()
        self.clock = FakeClock()
        self.inflight = BytesSemaphore(1000)
        logger = capture_logger()[0]
        self.futures = SessionFutures(
            self.server, RETRIEVE_MANY, clock=self.clock, logger=logger, rng=random.Random(0)
        )
        self.cancels = SampleCancels(
            self.server, CANCEL, enabled=cancel, max_batch=64, logger=logger
        )
        self.resolver = PollingFutureResolver(
            self.server,
            RETRIEVE_SPEC,
            json_codec=JSON_CODEC,
            protobuf_codec=PROTOBUF_CODEC,
            clock=self.clock,
            logger=logger,
            inflight_bytes=self.inflight,
            session_futures=self.futures,
            cancels=self.cancels,
        )

    def sample(self, request_id: str, *, timeout_s: float | None = None) -> asyncio.Task[Any]:
        self.futures.expect(request_id, SESSION, 0)
        return asyncio.create_task(
            self.resolver.resolve(
                request_id, result_type=dict, request_type="Sample", timeout_s=timeout_s
            )
        )

    async def aclose(self) -> None:
        await self.futures.aclose()
        await self.cancels.aclose()


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


async def test_a_sample_waits_for_its_completion_then_fetches_once() -> None:
    """No retrieve_future before the completion; then one, for the payload, bytes held."""
    stack = Stack()
    task = stack.sample("r1")
    await settle()
    assert stack.server.fetched() == []
    stack.server.finish("r1", {"sequences": [[1, 2]]})
    assert await task == {"sequences": [[1, 2]]}
    assert stack.server.fetched() == [{"request_id": "r1", "allow_metadata_only": False}]
    fetch = next(s for s in stack.server.sent if s.endpoint == "futures.retrieve")
    assert fetch.headers["X-Tinker-Request-Iteration"] == "0"
    assert stack.inflight.available == 1000  # the announced size was held, then released
    await settle()
    assert stack.server.polls()[-1].retrieved_request_ids == ["r1"]
    await stack.aclose()


async def test_a_failed_sample_is_fetched_for_its_error_and_acknowledged() -> None:
    """A failed completion carries no size: the fetch reads the error as usual."""
    stack = Stack()
    task = stack.sample("r1")
    await settle()
    stack.server.fail("r1", "prompt too long")
    with pytest.raises(RequestFailedError, match="prompt too long"):
        await task
    assert stack.server.fetched() == [{"request_id": "r1", "allow_metadata_only": True}]
    await settle()
    assert stack.server.polls()[-1].retrieved_request_ids == ["r1"]
    await stack.aclose()


async def test_a_poller_failure_surfaces_as_the_typed_error() -> None:
    """Awaiting a sample whose session's poll loop failed raises SessionFuturesError."""
    stack = Stack()
    stack.server.fail_next(status(404))
    with pytest.raises(SessionFuturesError, match=f"sampling session {SESSION}") as raised:
        await stack.sample("r1")
    assert raised.value.request_id == "r1"
    assert stack.server.fetched() == []
    await stack.aclose()


async def test_cancelling_a_waiting_sample_cancels_it_on_the_server() -> None:
    """Task cancellation stops the wait and queues cancel_future for the request."""
    stack = Stack()
    task = stack.sample("r1")
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await settle()
    assert [s.body.request_id for s in stack.server.sent if s.endpoint == "futures.cancel"] == [
        "r1"
    ]
    assert stack.cancels.sent == 1
    await stack.aclose()


async def test_a_sample_past_its_deadline_times_out_and_is_cancelled() -> None:
    """The deadline covers the wait for the completion; the abandoned sample is cancelled."""
    stack = Stack()
    with pytest.raises(FutureTimeoutError, match="Sample r1 not finished after 30s"):
        await stack.sample("r1", timeout_s=30)
    await settle()
    assert stack.cancels.sent == 1
    await stack.aclose()


async def test_cancellation_is_off_unless_the_server_enables_it() -> None:
    """With sample_cancel_enabled false, nothing is sent for a cancelled sample."""
    stack = Stack(cancel=False)
    task = stack.sample("r1")
    await settle()
    task.cancel()
    await asyncio.wait((task,))
    await settle()
    assert all(s.endpoint != "futures.cancel" for s in stack.server.sent)
    await stack.aclose()


def running_tasks() -> int:
    """Tasks on the loop, but for the fake clock's own time driver."""
    names = [getattr(t.get_coro(), "__name__", "") for t in asyncio.all_tasks()]
    return len([name for name in names if name != "_drive"])


async def test_waiting_samples_cost_no_task_each() -> None:
    """200 waiting samples (with deadlines) add two tasks: the poller and the deadline runner."""
    stack = Stack()
    before = running_tasks()
    tasks = [stack.sample(f"r{i}", timeout_s=600) for i in range(200)]
    await settle()
    assert running_tasks() - before == len(tasks) + 2
    for i in range(200):
        stack.server.finish(f"r{i}")
    results = await asyncio.gather(*tasks)
    assert [r["sequences"] for r in results] == [[f"r{i}"] for i in range(200)]
    await settle()
    assert running_tasks() - before == 1  # the idle poller; no deadline runner left
    await stack.aclose()
    assert running_tasks() == before
