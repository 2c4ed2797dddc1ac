"""Scenario worker for the raw aiohttp loop: the practical ceiling of a Python client.

One `aiohttp.ClientSession`, hand-written JSON bodies, and exactly the requests an SDK must
make, headers included (`wire_headers`): submit, then ``retrieve_future`` until the result
arrives (read, not decoded). No validation, retries, or result objects. forward_backward
bodies are protobuf, encoded before the measured stretch (with tinkex's encoder), so the raw
numbers are the transport floor.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from benchmarks.workers import common
from benchmarks.workers.wire_headers import PROTO, WireHeaders

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

BACKPRESSURE = [("X-Tinker-Sampling-Backpressure", "1")]
SAMPLE = "SamplingClient.sample"
CREATE = "ServiceClient.create_lora_training_client"
FWDBWD = "TrainingClient.forward_backward"
OPTIM = "TrainingClient.optim_step"


class Raw:
    """The minimal client: JSON posts and the retrieve_future loop, with the wire's headers."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, headers: WireHeaders) -> None:
        self.session = session
        self.base = base_url.rstrip("/") + "/api/v1/"
        self.headers = headers

    async def post(
        self,
        path: str,
        body: dict[str, Any],
        method: str = SAMPLE,
        extra: list[tuple[str, str]] | None = None,
    ) -> Any:
        headers = self.headers.submit(method, extra=extra)
        async with self.session.post(self.base + path, data=json.dumps(body), headers=headers) as r:
            r.raise_for_status()
            return await r.json()

    async def submit_bytes(self, path: str, body: bytes, content_type: str, method: str) -> Any:
        headers = self.headers.submit(method, content_type)
        async with self.session.post(self.base + path, data=body, headers=headers) as r:
            r.raise_for_status()
            return await r.json()

    async def result(
        self, request_id: str, proto: bool, method: str = SAMPLE, request_type: str = "Sample"
    ) -> bytes:
        body = json.dumps({"request_id": request_id, "allow_metadata_only": False})
        for iteration in itertools.count():
            headers = self.headers.poll(method, request_type, proto=proto, iteration=iteration)
            async with self.session.post(
                self.base + "retrieve_future", data=body, headers=headers
            ) as r:
                data = await r.read()
                if r.status == 200 and (
                    r.content_type == PROTO or b'"try_again"' not in data[:200]
                ):
                    return data
        raise AssertionError("unreachable")  # pragma: no cover  # itertools.count never ends

    async def session_id(self) -> str:
        answer = await self.post(
            "create_session",
            {"tags": [], "user_metadata": {}, "sdk_version": "raw", "type": "create_session"},
            method="ServiceClient.__init__",
        )
        return str(answer["session_id"])

    async def sampling_session_id(self) -> str:
        """A new session and a sampling session of the benchmark's base model in it."""
        created = await self.post(
            "create_sampling_session",
            {
                "session_id": await self.session_id(),
                "sampling_session_seq_id": 0,
                "base_model": common.BASE_MODEL,
                "type": "create_sampling_session",
            },
            method="ServiceClient.create_sampling_client",
        )
        return str(created["sampling_session_id"])


def open_session(limit: int, headers: WireHeaders) -> aiohttp.ClientSession:
    """The loop's one session: `limit` connections, the wire's fixed headers as defaults."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit), headers=headers.fixed)


def sampler(
    raw: Raw, sampling_session_id: str, prompt_tokens: int, max_tokens: int
) -> Callable[[], Awaitable[bytes]]:
    """One sample per call: ``asample``, then ``retrieve_future`` until the result is there."""
    seq = iter(range(10**9))
    tokens = list(range(1, prompt_tokens + 1))

    async def sample() -> bytes:
        submitted = await raw.post(
            "asample",
            {
                "num_samples": 1,
                "prompt": {"chunks": [{"tokens": tokens, "type": "encoded_text"}]},
                "sampling_params": {"max_tokens": max_tokens, "temperature": 1.0},
                "sampling_session_id": sampling_session_id,
                "seq_id": next(seq),
                "type": "sample",
            },
            extra=BACKPRESSURE,
        )
        return await raw.result(submitted["request_id"], proto=True)

    return sample


async def _sampling(raw: Raw, job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    sampling_session_id = await raw.sampling_session_id()
    sample = sampler(raw, sampling_session_id, params["prompt_tokens"], params["max_tokens"])

    if job["scenario"] in ("P1", "P1b"):
        await asyncio.gather(*(sample() for _ in range(params["warmup"])))
        with common.Window(job["server_pid"]) as window:
            await asyncio.gather(*(sample() for _ in range(params["n"])))
        return window.as_dict()
    latencies = []
    for index in range(params["warmup"] + params["n"]):
        started = time.perf_counter()
        await sample()
        if index >= params["warmup"]:
            latencies.append(time.perf_counter() - started)
    return {"latencies_s": latencies}


def _fwdbwd_body(model_id: str, seq_id: int, rows: list[list[int]]) -> bytes:
    # The encoder is tinkex's (the fastest Python one we have); it runs before the clock starts.
    import numpy as np

    from tinkex.adapters.protobuf_codec import ProtobufCodec
    from tinkex.domain.types import Datum, ForwardBackwardRequest, ModelInput

    data = [
        Datum(
            model_input=ModelInput.from_ints(row[:-1]),
            loss_fn_inputs={
                "target_tokens": np.asarray(row[1:], dtype=np.int64),
                "weights": np.ones(len(row) - 1, dtype=np.float32),
            },
        )
        for row in rows
    ]
    request = ForwardBackwardRequest(
        model_id=model_id, seq_id=seq_id, data=data, loss_fn="cross_entropy", forward_only=False
    )
    return ProtobufCodec().encode(request)


async def _training(raw: Raw, job: dict[str, Any]) -> dict[str, Any]:
    params = job["params"]
    session_id = await raw.session_id()
    created = await raw.post(
        "create_model",
        {
            "session_id": session_id,
            "model_seq_id": 0,
            "base_model": common.BASE_MODEL,
            "lora_config": {"rank": 1},
            "type": "create_model",
        },
        method=CREATE,
    )
    model_id = json.loads(
        await raw.result(
            created["request_id"], proto=False, method=CREATE, request_type="CreateModel"
        )
    )["model_id"]
    rows = common.token_rows(params["datums"], params["tokens"])

    async def fwdbwd(body: bytes) -> bytes:
        submitted = await raw.submit_bytes("forward_backward", body, PROTO, FWDBWD)
        return await raw.result(
            submitted["request_id"], proto=True, method=FWDBWD, request_type="ForwardBackward"
        )

    if job["scenario"] == "P6":
        steps = params["steps"] + 1
        bodies = [_fwdbwd_body(model_id, 2 * i + 1, rows) for i in range(steps)]
        adam = {"learning_rate": 1e-4}

        async def step(index: int) -> tuple[bytes, bytes]:
            fwd = await raw.submit_bytes("forward_backward", bodies[index], PROTO, FWDBWD)
            opt = await raw.post(
                "optim_step",
                {
                    "model_id": model_id,
                    "seq_id": 2 * index + 2,
                    "adam_params": adam,
                    "type": "optim_step",
                },
                method=OPTIM,
            )
            fwd_result, opt_result = await asyncio.gather(
                raw.result(
                    fwd["request_id"], proto=True, method=FWDBWD, request_type="ForwardBackward"
                ),
                raw.result(opt["request_id"], proto=False, method=OPTIM, request_type="OptimStep"),
            )
            return fwd_result, opt_result

        await step(0)
        pending: list[asyncio.Task[tuple[bytes, bytes]]] = []
        with common.Window(job["server_pid"]) as window:
            for index in range(1, steps):
                # Submissions stay in order: each task is created after the previous posted.
                pending.append(asyncio.ensure_future(step(index)))
                await asyncio.sleep(0)
                if len(pending) > params["depth"]:
                    await pending.pop(0)
            await asyncio.gather(*pending)
        return window.as_dict()
    runs = []
    for seq in range(1, params["iters"] + 1):
        body = _fwdbwd_body(model_id, seq, rows)
        with common.Window(job["server_pid"]) as window:
            await fwdbwd(body)
        runs.append({**window.as_dict(), "build_cpu_s": 0.0, "body_bytes": len(body)})
    return {"runs": runs}


async def _main(job: dict[str, Any]) -> dict[str, Any]:
    headers = WireHeaders(common.API_KEY)
    async with open_session(job["params"].get("connections", 100), headers) as session:
        raw = Raw(session, job["base_url"], headers)
        if job["scenario"] in ("P1", "P1b", "P3"):
            return await _sampling(raw, job)
        return await _training(raw, job)


async def _all(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for job in jobs:
        try:
            results.append(await _main(job))
        except Exception as exc:  # noqa: BLE001  # reported per job; the others still run
            results.append(common.failure(exc))
    return results


if __name__ == "__main__":
    common.emit(asyncio.run(_all(common.read_jobs())))
