"""PollingFutureResolver over the real PipelineInvoker and an InMemoryTransport."""

from __future__ import annotations

import random

import msgspec

from tinkex.adapters.clock import FakeClock
from tinkex.adapters.memory import InMemoryPool, InMemoryTransport, json_response
from tinkex.adapters.msgspec_codec import MsgspecJsonCodec
from tinkex.flows.features import OuterRetryConfig, RetryConfig
from tinkex.flows.invoker import PipelineInvoker
from tinkex.flows.polling import PollingFutureResolver
from tinkex.flows.queue_state import QueueStateRecorder
from tinkex.ports.endpoint import EndpointSpec
from tinkex.ports.futures import QueueState
from tinkex.ports.transport import HttpRequest, HttpResponse, PoolKind

RETRIEVE = EndpointSpec(
    name="futures.retrieve",
    method="POST",
    path="/api/v1/retrieve_future",
    pool=PoolKind.RETRIEVE,
    features=("retry_outer",),
)


class OptimStepResult(msgspec.Struct, frozen=True):
    metrics: dict[str, float]


async def test_pipeline_polling_rides_out_408_429_and_try_again() -> None:
    """408 (with queue state), 429 and try_again are absorbed; the JSON result decodes."""
    clock = FakeClock()
    transport = InMemoryTransport()
    replies = [
        json_response('{"type":"try_again","queue_state":"paused_capacity"}', status=408),
        json_response('{"detail":"slow down"}', status=429),
        json_response('{"type":"try_again","queue_state":"active"}'),
        json_response('{"metrics":{"loss:sum":1.25}}'),
    ]

    def handler(request: HttpRequest) -> HttpResponse:
        return replies.pop(0)

    transport.route("POST", "/api/v1/retrieve_future", handler)
    codec = MsgspecJsonCodec()
    invoker = PipelineInvoker(
        pool=InMemoryPool(transport),
        codecs={"json": codec},
        base_url="https://tinker.example.test/",
        auth_headers=(("X-API-Key", "tml-test"),),
        clock=clock,
        retry=RetryConfig(),
        outer_retry=OuterRetryConfig(),
        billing=None,
        sdk_version="0.1.0",
        rng=random.Random(1),
    )
    resolver = PollingFutureResolver(
        invoker,
        RETRIEVE,
        json_codec=codec,
        clock=clock,
    )
    recorder = QueueStateRecorder(clock)
    result = await resolver.resolve(
        "req-7", result_type=OptimStepResult, request_type="OptimStep", observer=recorder
    )
    sent = transport.sent
    assert result == OptimStepResult(metrics={"loss:sum": 1.25})
    assert len(sent) == 4  # no HTTP-level or outer retries on top of the poll loop
    assert clock.sleeps == [1]  # only the 429 backoff
    assert recorder.states == [QueueState.PAUSED_CAPACITY, QueueState.ACTIVE, QueueState.ACTIVE]
    assert [r.header("X-Tinker-Request-Iteration") for r in sent] == ["0", "1", "2", "3"]
    assert msgspec.json.decode(sent[0].body or b"") == {
        "request_id": "req-7",
        "allow_metadata_only": True,
    }


def _resolver_over(transport: InMemoryTransport, clock: FakeClock) -> PollingFutureResolver:
    codec = MsgspecJsonCodec()
    invoker = PipelineInvoker(
        pool=InMemoryPool(transport),
        codecs={"json": codec},
        base_url="https://tinker.example.test/",
        auth_headers=(("X-API-Key", "tml-test"),),
        clock=clock,
        retry=RetryConfig(),
        outer_retry=OuterRetryConfig(),
        billing=None,
        sdk_version="0.1.0",
        rng=random.Random(1),
    )
    return PollingFutureResolver(
        invoker,
        RETRIEVE,
        json_codec=codec,
        clock=clock,
    )


async def test_a_429_burst_costs_what_the_server_asked_and_the_backoff_starts_over() -> None:
    """Fifteen 429s with retry-after-ms 1000 cost 15 s, not 1+2+4+8+16+30x10 = 331 s.

    After the burst a normal answer resets the backoff, so later 429s without a hint wait
    1, 2, 4 s again instead of continuing from where the burst left off.
    """
    clock = FakeClock()
    transport = InMemoryTransport()
    slow_down = json_response(
        '{"detail":"slow down"}', status=429, headers={"retry-after-ms": "1000"}
    )
    bare_429 = json_response('{"detail":"slow down"}', status=429)
    replies = [slow_down] * 15 + [json_response('{"type":"try_again"}')]
    replies += [bare_429] * 3 + [json_response('{"metrics":{"loss:sum":0.5}}')]

    def handler(request: HttpRequest) -> HttpResponse:
        return replies.pop(0)

    transport.route("POST", "/api/v1/retrieve_future", handler)
    resolver = _resolver_over(transport, clock)
    start = clock.monotonic()
    result = await resolver.resolve("req-9", result_type=OptimStepResult, request_type="OptimStep")
    assert result == OptimStepResult(metrics={"loss:sum": 0.5})
    assert clock.sleeps == [1.0] * 15 + [1.0, 2.0, 4.0]
    assert clock.monotonic() - start == 22.0
    assert len(transport.sent) == 20  # one request per poll: nothing retried underneath
