"""Raw-wire helpers for driving a LocalBackend in tests (JSON bodies, proto bodies, polling)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from tinkex.proto.wire import (
    ForwardBackwardRequestArrays,
    ProtoDatum,
    TextChunk,
    encode_forward_backward_request,
)

if TYPE_CHECKING:
    from tinkex.local import LocalBackend

KEY = "tml-test-key"
PROTO = "application/x-protobuf"


def sft_datum(text: bytes) -> tuple[list[int], list[int], list[float]]:
    """Byte tokens of a text as (inputs, next-token targets, weights)."""
    tokens = list(text)
    return tokens[:-1], tokens[1:], [1.0] * (len(tokens) - 1)


def fwdbwd_proto(
    model_id: str,
    seq_id: int,
    texts: list[bytes],
    *,
    forward_only: bool = False,
    zstd: bool = False,
) -> bytes:
    """A protobuf forward_backward body doing cross-entropy on the texts."""
    data = []
    for text in texts:
        inputs, targets, weights = sft_datum(text)
        data.append(
            ProtoDatum(
                chunks=[TextChunk(np.asarray(inputs, dtype=np.int32))],
                loss_fn_inputs={
                    "target_tokens": np.asarray(targets, dtype=np.int64),
                    "weights": np.asarray(weights, dtype=np.float32),
                },
            )
        )
    req = ForwardBackwardRequestArrays(
        model_id=model_id,
        seq_id=seq_id,
        data=data,
        loss_fn="cross_entropy",
        loss_fn_config=None,
        forward_only=forward_only,
    )
    return encode_forward_backward_request(req, compress=zstd)


def fwdbwd_json(
    model_id: str, seq_id: int, texts: list[bytes], *, wrapper: str = "forward_backward_input"
) -> dict[str, Any]:
    """A JSON-era forward_backward body (no type tags, explicit null config)."""
    data = []
    for text in texts:
        inputs, targets, weights = sft_datum(text)
        data.append(
            {
                "loss_fn_inputs": {
                    "target_tokens": {"data": targets, "dtype": "int64", "shape": [len(targets)]},
                    "weights": {"data": weights, "dtype": "float32"},
                },
                "model_input": {"chunks": [{"tokens": inputs}]},
            }
        )
    return {
        wrapper: {"data": data, "loss_fn": "cross_entropy", "loss_fn_config": None},
        "model_id": model_id,
        "seq_id": seq_id,
    }


class LocalWire:
    """Calls a backend's `handle` with raw requests, like an HTTP client would."""

    def __init__(self, backend: LocalBackend) -> None:
        self.backend = backend

    async def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; dict/list bodies are JSON-encoded, bytes sent as is."""
        sent = {"X-API-Key": KEY, **(headers or {})}
        if isinstance(body, bytes):
            raw = body
        elif body is None:
            raw = b""
        else:
            raw = msgspec.json.encode(body)
            sent.setdefault("Content-Type", "application/json")
        return await self.backend.handle(method, path, query or {}, sent, raw)

    async def json(self, method: str, path: str, body: object = None, **kw: Any) -> tuple[int, Any]:
        """Send a request and decode the JSON answer."""
        status, _, raw = await self.call(method, path, body, **kw)
        return status, (msgspec.json.decode(raw) if raw else None)

    async def session(self, **fields: Any) -> str:
        """Create a session and return its id."""
        body = {"tags": [], "user_metadata": {}, "sdk_version": "0.38.0", **fields}
        status, reply = await self.json("POST", "/api/v1/create_session", body)
        assert status == 200, reply
        return str(reply["session_id"])

    async def sampling_session(self, base_model: str = "m") -> str:
        """Create a session and a sampling session of `base_model` in it; return the latter."""
        body = {
            "session_id": await self.session(),
            "sampling_session_seq_id": 0,
            "base_model": base_model,
        }
        status, reply = await self.json("POST", "/api/v1/create_sampling_session", body)
        assert status == 200, reply
        return str(reply["sampling_session_id"])

    async def result(
        self,
        request_id: str,
        *,
        accept: str = "application/json",
        allow_metadata_only: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        """Poll retrieve_future until the answer is not try_again (bounded)."""
        for _ in range(200):
            status, headers, raw = await self.call(
                "POST",
                "/api/v1/retrieve_future",
                {"request_id": request_id, "allow_metadata_only": allow_metadata_only},
                headers={"Accept": accept},
            )
            is_json = status == 200 and headers.get("content-type") == "application/json"
            if is_json and msgspec.json.decode(raw).get("type") == "try_again":
                continue
            return status, headers, raw
        raise AssertionError(f"request {request_id} never finished")

    async def result_json(self, request_id: str) -> Any:
        """The JSON result of a future (asserting it is not an error)."""
        status, _, raw = await self.result(request_id)
        assert status == 200, raw
        body = msgspec.json.decode(raw)
        assert "error" not in body, body
        return body

    async def model(self, session_id: str, seq: int = 0, rank: int = 4) -> str:
        """Create a LoRA model and wait until it exists; returns its id."""
        body = {
            "session_id": session_id,
            "model_seq_id": seq,
            "base_model": "Qwen/Qwen3-8B",
            "lora_config": {"rank": rank, "seed": 1},
            "type": "create_model",
        }
        status, reply = await self.json("POST", "/api/v1/create_model", body)
        assert status == 200, reply
        result = await self.result_json(reply["request_id"])
        return str(result["model_id"])
