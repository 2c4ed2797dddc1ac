"""ServiceClient: lazy start, close, statuses, REST access, and the x-sdk-method header."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import pytest
from training_fixtures import (
    TINY_MODEL,
    Recorder,
    batch,
    endpoint_of,
    json_body,
    make_backend,
    recorded_client,
    tiny_training,
)

from tinkex.clients.service import ServiceClient
from tinkex.domain.types import AdamParams
from tinkex.errors import ClosedError
from tinkex.testing import VirtualClock

if TYPE_CHECKING:
    from pathlib import Path

    from tinkex.local import LocalBackend


def _finish_reasons(recorder: Recorder) -> list[str]:
    return [
        json_body(r)["reason"]["type"] for r in recorder.sent if endpoint_of(r).endswith("/finish")
    ]


async def test_client_starts_lazily_without_async_with(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    try:
        assert recorder.sent == []  # construction sends nothing
        training = await tiny_training(service)
        assert recorder.endpoints()[:4] == [
            "client/config",
            "client/dynamic_config",
            "create_session",
            "create_model",
        ]
        assert (await training.forward(batch(1), "cross_entropy")).metrics
        session_id = await service.session_id()
        assert training.model_id == f"{session_id}:train:0"
        second = await tiny_training(service)
        assert second.model_id == f"{session_id}:train:1"
        assert recorder.endpoints().count("create_session") == 1
    finally:
        await service.close()
        await backend.aclose()
    assert _finish_reasons(recorder) == ["success"]


async def test_close_is_idempotent_and_later_use_raises_closed(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    training = await tiny_training(service)
    await service.close("errored", "boom")
    await service.close()
    assert service.closed
    assert _finish_reasons(recorder) == ["errored"]
    sent = len(recorder.sent)
    with pytest.raises(ClosedError):
        await service.create_lora_training_client(TINY_MODEL)
    with pytest.raises(ClosedError):
        await service.start()
    with pytest.raises(ClosedError):
        service.create_rest_client()
    with pytest.raises(ClosedError):
        training.forward_backward(batch(1), "cross_entropy")
    with pytest.raises(ClosedError):
        training.optim_step(AdamParams())
    with pytest.raises(ClosedError):
        training.save_state("late")
    assert len(recorder.sent) == sent
    await backend.aclose()


async def test_closing_an_unused_client_sends_nothing(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    await service.close()
    with pytest.raises(ClosedError):
        await service.get_server_capabilities()
    assert recorder.sent == []
    await backend.aclose()


@pytest.mark.parametrize(
    ("error", "reason"),
    [(None, "success"), (ValueError, "errored"), (KeyboardInterrupt, "interrupted")],
)
async def test_context_exit_finishes_with_status_of_the_exit(
    tmp_path: Path, error: type[BaseException] | None, reason: str
) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    with pytest.raises(error) if error is not None else contextlib.nullcontext():
        async with service:
            await service.start()
            if error is not None:
                raise error
    assert _finish_reasons(recorder) == [reason]
    await backend.aclose()


async def test_cancelled_body_finishes_as_interrupted(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    started = asyncio.Event()

    async def body() -> None:
        async with service:
            await service.start()
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(body())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _finish_reasons(recorder) == ["interrupted"]
    await backend.aclose()


async def test_rest_client_and_capabilities_go_through_the_service(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    service, recorder = recorded_client(backend)
    try:
        rest = service.create_rest_client()
        assert recorder.sent == []
        capabilities = await rest.get_server_capabilities()  # starts the service lazily
        assert TINY_MODEL in [m.model_name for m in capabilities.supported_models]
        assert capabilities == await service.get_server_capabilities()
        training = await tiny_training(service)
        await training.save_state("ckpt")
        run = await rest.get_training_run(training.model_id)
        assert run.training_run_id == training.model_id
        sampler = await service.create_sampling_client(base_model=TINY_MODEL)
        assert sampler.base_model == TINY_MODEL
    finally:
        await service.close()
        await backend.aclose()


async def test_sdk_method_header_marks_public_calls_only(tmp_path: Path) -> None:
    backend: LocalBackend = make_backend(tmp_path)
    clock = VirtualClock(auto_advance=False)
    recorder = Recorder(backend)
    service = ServiceClient(
        base_url="local", transport=recorder, clock=clock, api_key="tml-test", telemetry=True
    )
    try:
        # The session starts inside create_lora_training_client: its background tasks must
        # not inherit that method's name.
        training = await tiny_training(service)
        await training.forward_backward(batch(2), "cross_entropy")
        for _ in range(3):
            clock.advance(10.0)  # heartbeat and telemetry flush intervals
            for _ in range(20):
                await asyncio.sleep(0)
        for _ in range(200):
            if recorder.to("session_heartbeat") and recorder.to("telemetry"):
                break
            await asyncio.sleep(0.001)
    finally:
        await service.close()
        await backend.aclose()
    by_endpoint: dict[str, set[str | None]] = {}
    for request in recorder.sent:
        by_endpoint.setdefault(endpoint_of(request), set()).add(request.header("x-sdk-method"))
    assert by_endpoint["create_model"] == {"ServiceClient.create_lora_training_client"}
    assert by_endpoint["forward_backward"] == {"TrainingClient.forward_backward"}
    assert "TrainingClient.forward_backward" in by_endpoint["retrieve_future"]
    assert by_endpoint["session_heartbeat"] == {None}
    assert by_endpoint["telemetry"] == {None}
