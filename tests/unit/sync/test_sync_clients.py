"""tinkex.sync's blocking clients against the in-process embedded backend."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

import pytest
from sync_helpers import BASE_MODEL, local_service, text_datum

import tinkex
import tinkex.sync as tinker
from tinkex import types
from tinkex.errors import ClosedError, ConfigError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module", autouse=True)
def _stop_the_loop_after_the_module() -> Iterator[None]:
    yield
    tinker.shutdown()


def test_training_methods_return_blocking_futures_in_call_order(tmp_path: Path) -> None:
    """forward_backward and optim_step answer with futures at once; result() blocks for them."""
    with local_service(tmp_path) as service:
        training = service.create_lora_training_client(base_model=BASE_MODEL, rank=4)
        assert isinstance(training, tinker.TrainingClient)
        assert training.result() is training  # official code calls .result() on the creation
        data = [text_datum("abcdefgh")]
        losses = []
        for _ in range(3):
            fwdbwd = training.forward_backward(data, "cross_entropy")
            optim = training.optim_step(types.AdamParams(learning_rate=1e-2))
            assert isinstance(fwdbwd, tinker.APIFuture)
            assert fwdbwd.request_type == "ForwardBackward"
            losses.append(fwdbwd.result().metrics["loss:sum"])
            assert optim.result(timeout=30).metrics is not None
            assert fwdbwd.done()
        assert losses[-1] < losses[0]
        assert training.model_id == training.get_info().model_id
        assert training.base_model == BASE_MODEL


def test_errors_arrive_with_their_tinkex_types(tmp_path: Path) -> None:
    """A bad argument raises at the call; a failed request raises from result()."""
    with local_service(tmp_path) as service:
        training = service.create_lora_training_client(base_model=BASE_MODEL, rank=4)
        with pytest.raises(ValidationError, match="no data provided"):
            training.forward_backward([], "cross_entropy")
        rest = service.create_rest_client()
        missing = rest.get_training_run("no-such-run")
        with pytest.raises(NotFoundError):
            missing.result()
        assert isinstance(missing.exception(), NotFoundError)
    with pytest.raises(ClosedError):
        service.get_server_capabilities()


def test_sampling_rest_and_iteration(tmp_path: Path) -> None:
    """Sampling, compute_logprobs, REST futures and the blocking iterators all work."""
    with local_service(tmp_path) as service:
        training = service.create_lora_training_client(base_model=BASE_MODEL, rank=4)
        sampler = training.save_weights_and_get_sampling_client()
        assert isinstance(sampler, tinker.SamplingClient)
        prompt = types.ModelInput.from_ints([104, 105])
        response = sampler.sample(prompt, 3, types.SamplingParams(max_tokens=4, seed=1)).result()
        assert [len(s.tokens) for s in response.sequences] == [4, 4, 4]
        assert sampler.compute_logprobs(prompt).result()[0] is None
        assert sampler.get_base_model() == BASE_MODEL
        streamed = list(sampler.sample_stream(prompt, types.SamplingParams(max_tokens=3)))
        assert [chunk.event_type for chunk in streamed] == ["token", "token", "token", "done"]
        rest = service.create_rest_client()
        runs = rest.list_training_runs().result().training_runs
        assert [run.training_run_id for run in runs] == [training.model_id]
        assert [run.training_run_id for run in rest.iter_training_runs()] == [training.model_id]
        with pytest.raises(ConfigError, match="in-process"):  # handles need an HTTP backend
            sampler.get_sampler_handle()


def test_the_context_manager_finishes_the_session(tmp_path: Path) -> None:
    """Leaving the with block closes the session; an error inside closes it as errored."""
    service = local_service(tmp_path)

    def fail_inside() -> None:
        with service:
            service.get_server_capabilities()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert service.closed


def test_blocking_calls_work_inside_a_running_event_loop(tmp_path: Path) -> None:
    """A Jupyter cell has a running loop: blocking calls and awaiting both work there."""

    async def cell() -> tuple[int, list[int]]:
        with local_service(tmp_path) as service:
            models = service.get_server_capabilities().supported_models
            training = await service.create_lora_training_client_async(
                base_model=BASE_MODEL, rank=4
            )
            future = await training.forward_async([text_datum("xyz")], "cross_entropy")
            output = await future
            sampler = await training.save_weights_and_get_sampling_client_async()
            response = await sampler.sample_async(types.ModelInput.from_ints([1, 2]), 2)
            assert isinstance(await future.result_async(), types.ForwardBackwardOutput)
            return len(models), [len(output.loss_fn_outputs), len(response.sequences)]

    count, sizes = asyncio.run(cell())
    assert count > 0
    assert sizes == [1, 2]


def test_one_loop_thread_serves_every_client(tmp_path: Path) -> None:
    """The clients share the tinkex-sync daemon thread; shutdown stops it and closes them."""
    first = local_service(tmp_path / "a")
    second = local_service(tmp_path / "b")
    sync_threads = [t for t in threading.enumerate() if t.name == "tinkex-sync"]
    assert len(sync_threads) == 1
    assert sync_threads[0].daemon
    second.get_server_capabilities()
    tinker.shutdown()
    assert first.closed
    assert second.closed
    assert not sync_threads[0].is_alive()
    third = local_service(tmp_path / "c")  # a later client starts a new thread
    assert third.get_server_capabilities().supported_models
    third.async_client.runtime  # noqa: B018  # the async client is reachable for advanced use
    assert isinstance(third.async_client, tinkex.ServiceClient)
