"""The OpenTelemetry span tree of real forward_backward and sample calls, end to end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from observe_fixtures import TINY_MODEL, Otel, attributes, children, datum, embedded_service
from opentelemetry.trace import SpanKind

from tinkex import types

if TYPE_CHECKING:
    from pathlib import Path


async def test_forward_backward_is_one_tree_of_submission_and_polls(tmp_path: Path) -> None:
    """The INTERNAL operation span parents INTERNAL calls, each with CLIENT HTTP attempts."""
    otel = Otel()
    async with embedded_service(tmp_path, otel) as service:
        session_id = await service.runtime.session.ensure_session()
        training = await service.create_lora_training_client(TINY_MODEL, rank=2)
        otel.spans.clear()
        future = training.forward_backward([datum([1, 2, 3])], "cross_entropy")
        await future
    spans = otel.finished()
    operation = next(s for s in spans if s.name == "TrainingClient.forward_backward")
    assert operation.parent is None
    assert operation.kind is SpanKind.INTERNAL
    calls = children(spans, operation)
    names = [c.name for c in calls]
    assert "tinker training.forward_backward" in names
    assert "tinker futures.retrieve" in names
    for call in calls:
        assert call.kind is SpanKind.INTERNAL
        attempts = children(spans, call)
        assert attempts, f"{call.name} has no HTTP attempt span"
        assert all(a.kind is SpanKind.CLIENT for a in attempts)
        assert all(a.name == "POST" for a in attempts)
        assert all(attributes(a)["http.response.status_code"] == 200 for a in attempts)
        assert all("url.full" in attributes(a) for a in attempts)
    # The ids that tie a future to its trace, on the spans that carry them.
    assert future.request_id is not None
    submit = attributes(next(c for c in calls if c.name == "tinker training.forward_backward"))
    assert submit["tinker.model_id"] == training.model_id
    assert submit["tinker.seq_id"] == 1  # the run's first request after creation
    assert submit["tinker.request_id"] == future.request_id
    polls = [attributes(c) for c in calls if c.name == "tinker futures.retrieve"]
    assert all(poll["tinker.request_id"] == future.request_id for poll in polls)
    op = attributes(operation)
    assert op["tinker.request_type"] == "ForwardBackward"
    assert op["tinker.session_id"] == session_id
    assert op["tinker.model_id"] == training.model_id
    assert op["tinker.request_id"] == future.request_id
    assert op["tinker.queue_state"] == "active"
    (change,) = [e for e in operation.events if e.name == "tinker.queue_state_change"]
    assert attributes(change) == {
        "tinker.request_id": future.request_id,
        "tinker.queue_state": "active",
    }


async def test_a_sample_span_names_its_sampling_session(tmp_path: Path) -> None:
    """A sample's operation and calls carry the sampling session id; its submission the seq id."""
    otel = Otel()
    async with embedded_service(tmp_path, otel) as service:
        sampler = await service.create_sampling_client(base_model=TINY_MODEL)
        otel.spans.clear()
        future = sampler.sample(
            types.ModelInput.from_ints([1, 2, 3]), 2, types.SamplingParams(max_tokens=3)
        )
        await future
    spans = otel.finished()
    operation = next(s for s in spans if s.name == "SamplingClient.sample")
    assert operation.kind is SpanKind.INTERNAL
    assert attributes(operation)["tinker.sampling_session_id"] == sampler.sampling_session_id
    assert attributes(operation)["tinker.request_id"] == future.request_id
    submit = next(s for s in children(spans, operation) if s.name == "tinker sampling.asample")
    assert attributes(submit)["tinker.sampling_session_id"] == sampler.sampling_session_id
    assert attributes(submit)["tinker.seq_id"] == 0
    assert attributes(submit)["tinker.request_id"] == future.request_id
