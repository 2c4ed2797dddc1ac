"""OpenTelemetry metrics and span events of real calls through injected faults.

The embedded backend answers some forward_backward submissions 503 (HTTP retries) and some
polls 408 ``paused_capacity`` (queue-state changes); the SDK's in-memory reader and exporter
show what an application's exporter would receive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from observe_fixtures import TINY_MODEL, Otel, attributes, datum, embedded_service
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.metrics import MeterProvider

from tinkex import types
from tinkex.errors import NotFoundError
from tinkex.flows.otel_metrics import ClientInstruments, metrics_enabled, retry_reason
from tinkex.local import FaultPlan

if TYPE_CHECKING:
    from pathlib import Path

# Seeded so that the first forward_backward submission is refused once and some polls wait.
FAULTS = FaultPlan(
    seed=5, error_5xx=0.5, paused_408=0.5, endpoints=("forward_backward", "retrieve_future")
)


def _matching(points: list[Any], **wanted: object) -> list[Any]:
    return [p for p in points if all(attributes(p).get(k) == v for k, v in wanted.items())]


async def test_a_faulty_forward_backward_reports_retries_queue_states_and_timings(
    tmp_path: Path,
) -> None:
    """Retries, queue states, durations, in-flight gauges and tokens reach the SDK."""
    otel = Otel()
    async with embedded_service(tmp_path, otel, fault_plan=FAULTS) as service:
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        future = training.forward_backward([datum([1, 2, 3, 4, 5])], "cross_entropy")
        await future
    spans = otel.finished()
    submit = next(s for s in spans if s.name == "tinker training.forward_backward")
    retries = [attributes(e) for e in submit.events if e.name == "tinker.retry"]
    assert retries
    assert retries[0]["tinker.retry.layer"] == "http"
    assert retries[0]["tinker.retry.reason"] == "status 503"
    assert retries[0]["tinker.retry.attempt"] == 0
    assert retries[0]["tinker.retry.delay_s"] > 0
    operation = next(s for s in spans if s.name == "TrainingClient.forward_backward")
    changes = [attributes(e) for e in operation.events if e.name == "tinker.queue_state_change"]
    states = [c["tinker.queue_state"] for c in changes]
    assert "paused_capacity" in states
    assert states[-1] == "active"
    paused = next(c for c in changes if c["tinker.queue_state"] == "paused_capacity")
    assert paused["tinker.request_id"] == future.request_id
    assert paused["tinker.queue_state.reason"].startswith("Tinker backend is running short")
    assert attributes(operation)["tinker.queue_state"] == "active"

    counted = _matching(
        otel.points("tinkex.client.retries"),
        **{"tinker.retry.layer": "http", "tinker.endpoint": "training.forward_backward"},
    )
    assert [attributes(p)["tinker.retry.reason"] for p in counted] == ["status 503"]
    assert counted[0].value == len(retries)
    durations = otel.histograms("tinkex.client.request.duration")
    (accepted,) = _matching(
        durations, **{"tinker.endpoint": "training.forward_backward", "tinker.outcome": "success"}
    )
    assert accepted.count == 1
    assert list(accepted.explicit_bounds)[:2] == [0.005, 0.01]  # seconds, not the ms default
    assert accepted.sum > 0  # the backoff before the retry took (virtual) time
    (refused,) = _matching(
        durations, **{"tinker.endpoint": "futures.retrieve", "error.type": "408"}
    )
    assert refused.count >= 1  # each paused poll is a call that failed with 408
    for name in ("tinkex.client.inflight.requests", "tinkex.client.inflight.bytes"):
        points = otel.points(name)
        assert _matching(points, **{"tinker.endpoint": "training.forward_backward"})
        assert all(p.value == 0 for p in points), f"{name} did not come back to 0"
    (waited,) = _matching(
        otel.histograms("tinkex.future.wait.duration"),
        **{"tinker.request_type": "ForwardBackward", "tinker.outcome": "success"},
    )
    assert waited.count == 1
    assert waited.sum >= accepted.sum
    stays = otel.histograms("tinkex.future.queue_state.duration")
    assert _matching(stays, **{"tinker.queue_state": "paused_capacity"})
    assert _matching(stays, **{"tinker.queue_state": "active"})
    (trained,) = otel.points("tinkex.tokens.trained")
    assert trained.value == 5


async def test_sampled_tokens_and_a_failed_call_are_measured(tmp_path: Path) -> None:
    """A sample counts its tokens; a 404 is a request with outcome error and error.type 404."""
    otel = Otel()
    async with embedded_service(tmp_path, otel) as service:
        sampler = await service.create_sampling_client(base_model=TINY_MODEL)
        result = await sampler.sample(
            types.ModelInput.from_ints([1, 2, 3]), 3, types.SamplingParams(max_tokens=4)
        )
        with pytest.raises(NotFoundError):
            await service.create_rest_client().get_training_run("nope:train:0")
    (sampled,) = otel.points("tinkex.tokens.sampled")
    assert sampled.value == sum(len(seq.tokens) for seq in result.sequences) > 0
    (failed,) = _matching(
        otel.histograms("tinkex.client.request.duration"),
        **{"tinker.outcome": "error", "error.type": "404"},
    )
    assert failed.count == 1
    assert attributes(failed)["tinker.endpoint"].startswith("rest.")
    (waited,) = _matching(
        otel.histograms("tinkex.future.wait.duration"), **{"tinker.request_type": "Sample"}
    )
    assert attributes(waited)["tinker.outcome"] == "success"


def test_without_an_sdk_the_instruments_are_off() -> None:
    """No provider (the API's proxy) and a NoOpMeter are off; an SDK meter is on."""
    assert not ClientInstruments().enabled
    assert not metrics_enabled(NoOpMeter("x"))
    assert ClientInstruments(MeterProvider().get_meter("x")).enabled


def test_retry_reasons_keep_few_values_for_metrics() -> None:
    """Details after the first ';' or ',' are cut from the counter's reason."""
    assert retry_reason("status 503; retry-after 2s") == "status 503"
    assert retry_reason("status 500, x-should-retry: true") == "status 500"
    assert retry_reason("timeout") == "timeout"
