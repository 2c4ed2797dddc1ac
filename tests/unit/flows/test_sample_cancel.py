"""The cancel_future queue for abandoned samples."""

from __future__ import annotations

import asyncio

from batch_fakes import CANCEL, FuturesServer, status
from flows_fakes import capture_logger

from tinkex.flows.sample_cancel import SampleCancels


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


def cancelled(server: FuturesServer) -> list[str]:
    return [s.body.request_id for s in server.sent if s.endpoint == CANCEL.name]


async def test_cancels_go_out_in_batches_of_the_servers_size() -> None:
    """Ten ids with a batch size of 4: at most 4 requests at once, each id once, in order."""
    server = FuturesServer()
    server.cancel_hold = asyncio.Event()
    cancels = SampleCancels(server, CANCEL, enabled=True, max_batch=4)
    for i in range(10):
        cancels.enqueue(f"r{i}")
    await settle()
    assert cancelled(server) == ["r0", "r1", "r2", "r3"]  # the next batch waits for these
    server.cancel_hold.set()
    await settle()
    assert cancelled(server) == [f"r{i}" for i in range(10)]
    assert (server.max_cancels_in_flight, cancels.sent, cancels.failed) == (4, 10, 0)
    await cancels.aclose()


async def test_a_failed_cancel_is_logged_and_not_sent_again() -> None:
    """A refused cancel is logged with its request id; the others still go out."""
    server = FuturesServer()
    server.cancel_failures["r1"] = status(404)
    logger, logs = capture_logger()
    cancels = SampleCancels(server, CANCEL, enabled=True, max_batch=64, logger=logger)
    for request_id in ("r0", "r1", "r2"):
        cancels.enqueue(request_id)
    await settle()
    assert cancelled(server) == ["r0", "r1", "r2"]
    assert (cancels.sent, cancels.failed) == (2, 1)
    failure = next(e for e in logs.entries if e["event"] == "futures.cancel_failed")
    assert (failure["request_id"], failure["status"]) == ("r1", 404)
    await cancels.aclose()


async def test_nothing_is_sent_when_the_server_disables_cancellation() -> None:
    """sample_cancel_enabled false: enqueue is a no-op and starts no task."""
    server = FuturesServer()
    cancels = SampleCancels(server, CANCEL, enabled=False, max_batch=64)
    before = len(asyncio.all_tasks())
    cancels.enqueue("r0")
    assert len(asyncio.all_tasks()) == before
    await settle()
    assert server.sent == []


async def test_closing_drops_what_is_still_queued() -> None:
    """aclose stops the drain; queued ids are not sent afterwards."""
    server = FuturesServer()
    server.cancel_hold = asyncio.Event()
    cancels = SampleCancels(server, CANCEL, enabled=True, max_batch=2)
    for i in range(5):
        cancels.enqueue(f"r{i}")
    await settle()
    await cancels.aclose()
    server.cancel_hold.set()
    await settle()
    assert cancelled(server) == ["r0", "r1"]
