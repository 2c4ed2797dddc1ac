from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from tinkex.errors import APIConnectionError, APITimeoutError, ClosedError
from tinkex.local import FaultPlan, InProcessTransport, LocalBackend
from tinkex.ports.transport import HttpRequest, Transport

if TYPE_CHECKING:
    from pathlib import Path

BASE = "http://local/services/tinker-prod"
KEY = ("X-API-Key", "tml-abc")


def _post(path: str, body: object, timeout_s: float | None = None) -> HttpRequest:
    return HttpRequest(
        method="POST",
        url=BASE + path,
        headers=(KEY, ("Content-Type", "application/json")),
        body=msgspec.json.encode(body),
        timeout_s=timeout_s,
    )


async def test_inprocess_transport_strips_the_base_url_prefix(tmp_path: Path) -> None:
    """Requests under the base URL reach the backend; answers come back as HttpResponse."""
    transport: Transport = InProcessTransport(LocalBackend(tmp_path), BASE, close_backend=True)
    body = {"tags": ["t"], "user_metadata": {}, "sdk_version": "0.38.0", "type": "create_session"}
    response = await transport.send(_post("/api/v1/create_session", body))
    assert response.status == 200
    assert response.content_type == "application/json"
    assert msgspec.json.decode(response.body)["session_id"].startswith("sess-")
    missing = await transport.send(
        HttpRequest(method="GET", url=BASE + "/api/v1/nope", headers=(KEY,))
    )
    assert missing.status == 404
    await transport.aclose()
    with pytest.raises(ClosedError):
        await transport.send(_post("/api/v1/create_session", body))


async def test_inprocess_transport_times_out_long_polls(tmp_path: Path) -> None:
    """A long-poll outlasting timeout_s raises APITimeoutError."""
    backend = LocalBackend(tmp_path)
    transport = InProcessTransport(backend, BASE)
    session = msgspec.json.decode(
        (
            await transport.send(_post("/api/v1/create_session", {"tags": [], "sdk_version": "x"}))
        ).body
    )["session_id"]
    created = await transport.send(
        _post(
            "/api/v1/create_model",
            {
                "session_id": session,
                "model_seq_id": 0,
                "base_model": "m",
                "lora_config": {"rank": 1},
            },
        )
    )
    model = msgspec.json.decode(created.body)["model_id"]
    # seq 5 waits for seqs 1-4 that never come, so its future stays pending.
    pending = await transport.send(
        _post("/api/v1/optim_step", {"model_id": model, "seq_id": 5, "adam_params": {}})
    )
    request_id = msgspec.json.decode(pending.body)["request_id"]
    with pytest.raises(APITimeoutError):
        await transport.send(
            _post("/api/v1/retrieve_future", {"request_id": request_id}, timeout_s=0.05)
        )
    await transport.aclose()
    await backend.aclose()


async def test_inprocess_transport_turns_drops_into_connection_errors(tmp_path: Path) -> None:
    """A dropped connection surfaces as APIConnectionError."""
    backend = LocalBackend(tmp_path, fault_plan=FaultPlan(drop_connection=1.0))
    transport = InProcessTransport(backend, BASE, close_backend=True)
    with pytest.raises(APIConnectionError):
        await transport.send(HttpRequest(method="GET", url=BASE + "/api/v1/healthz"))
    await transport.aclose()
